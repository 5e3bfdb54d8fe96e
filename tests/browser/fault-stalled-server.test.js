// A server that stops reading for 10 s: the page talks to the real server
// through the TCP proxy, which pauses the client -> server direction for the
// scenario's 10 s while a script in the page keeps trying to send (every 50 ms).
// Nothing is acknowledged meanwhile, so the outbox (queued + unacknowledged,
// ?maxOutboxMessages=40) fills up; a sampler in the page watches chat.queued
// all along. Then the server reads again: everything accepted is delivered
// exactly once, in order.
//
// heartbeatInterval is set above the stall: with the default 15 s + 5 s a ping
// sent early in a 10 s stall could time out inside it, and the test is about
// the outbox bound, not about liveness (see fault-silent-stall.test.js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { launchBrowser } from './harness.js';
import { TIMEOUT, pagesFor, waitReady, shown, waitForMessage, waitAllDelivered } from './chat-page.js';
import { startServer } from '../../server/app.js';
import { startTcpProxy } from '../fixtures/tcp-proxy.js';

const STALL_MS = 10_000;
const BOUND = 40;

let browser;
let server;
let proxy;
before(async () => {
  // 200 messages per second: the 40 waiting messages go out in well under a second afterwards.
  server = await startServer({ port: 0, messagesPerSecond: 200 });
  proxy = await startTcpProxy({ targetPort: server.port });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await proxy?.close();
  await server?.close();
});

test('a server that stops reading for 10 s: the outbox stays bounded, refuses while full, then delivers each message once',
  { timeout: 60_000 }, async (t) => {
    const pages = pagesFor(t, browser);
    const slow = await pages.open(server.url, {
      server: `ws://127.0.0.1:${proxy.port}/ws`, nickname: 'slow', maxOutboxMessages: BOUND, heartbeatInterval: 30_000,
    });
    const direct = await pages.open(server.url, { nickname: 'direct' });
    await waitReady(slow.page, 'slow');
    await waitReady(direct.page, 'direct');
    await slow.page.evaluate(() => {
      window.__closes = [];
      window.chat.addEventListener('close', ({ detail }) => window.__closes.push(detail));
    });

    proxy.pause();
    // In the page: a sampler of chat.queued (every 5 ms and around every
    // event), and a sender trying a new message every 50 ms.
    await slow.page.evaluate(() => {
      const chat = window.chat;
      const s = { max: 0, samples: 0, attempts: [] };
      window.__stall = s;
      const sample = () => { s.samples++; s.max = Math.max(s.max, chat.queued); };
      s.sampler = setInterval(sample, 5);
      for (const type of ['message', 'status', 'drain', 'error', 'close']) chat.addEventListener(type, sample);
      let n = 0;
      s.sender = setInterval(() => {
        const text = `stalled ${++n}`;
        const queuedBefore = chat.queued;
        const result = chat.send(text);
        sample();
        s.attempts.push({ text, ok: result.ok, reason: result.reason ?? null, queuedBefore });
      }, 50);
    });

    await delay(STALL_MS); // the scenario: the server does not read for 10 s
    const during = await slow.page.evaluate(() => {
      clearInterval(window.__stall.sender);
      const { max, samples, attempts } = window.__stall;
      return { max, samples, attempts, queued: window.chat.queued, state: window.chat.state, closes: window.__closes.length };
    });
    const throughDuringStall = (await shown(direct.page)).filter((m) => m.text.startsWith('stalled '));
    proxy.resume();

    const accepted = during.attempts.filter((a) => a.ok).map((a) => a.text);
    const refused = during.attempts.filter((a) => !a.ok);
    assert.deepStrictEqual({ state: during.state, closes: during.closes }, { state: 'open', closes: 0 },
      'the connection survived the stall');
    assert.ok(during.attempts.length >= 100, `the page kept trying (${during.attempts.length} attempts)`);
    assert.equal(accepted.length, BOUND, 'the outbox took exactly maxOutboxMessages messages');
    assert.deepStrictEqual(accepted, during.attempts.slice(0, BOUND).map((a) => a.text), 'the first ones, until it was full');
    assert.deepStrictEqual([...new Set(refused.map((a) => `${a.reason} at ${a.queuedBefore}`))], [`outbox_full at ${BOUND}`],
      'every refusal said outbox_full, and only while the outbox was full');
    assert.equal(during.queued, BOUND);
    assert.ok(during.samples > 1000, `sampled often (${during.samples} samples)`);
    assert.ok(during.max <= BOUND, `chat.queued reached ${during.max}, above the bound ${BOUND}`);
    assert.deepStrictEqual(throughDuringStall, [], 'nothing got through the stall');

    // The server reads again.
    await waitAllDelivered(slow.page, BOUND);
    await slow.page.waitForFunction(() => window.chat.queued === 0, null, { timeout: TIMEOUT });
    const after = await slow.page.evaluate(() => {
      clearInterval(window.__stall.sampler);
      return { max: window.__stall.max, closes: window.__closes.length, last: window.chat.send('after the stall') };
    });
    assert.ok(after.max <= BOUND, `chat.queued reached ${after.max} while draining, above the bound ${BOUND}`);
    assert.equal(after.closes, 0, 'no reconnection was needed');
    assert.equal(after.last.ok, true, 'sending works again');
    await waitForMessage(direct.page, 'after the stall', 'slow');

    const onDirect = (await shown(direct.page)).filter((m) => m.text.startsWith('stalled '));
    assert.deepStrictEqual(onDirect, accepted.map((text) => ({ from: 'slow', text, own: false, state: null })),
      'each accepted message exactly once, in order');
    const own = await slow.page.evaluate(() => window.__own);
    for (const id of new Set(own.map((e) => e.id))) {
      assert.deepStrictEqual(own.filter((e) => e.id === id).map((e) => e.state), ['queued', 'sent', 'delivered'], `own message ${id}`);
    }
    pages.assertClean();
  });
