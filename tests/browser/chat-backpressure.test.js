// A server that stops reading: the page talks to the real server through a
// TCP proxy that can pause the client -> server direction. Nothing is
// acknowledged while it is paused, so the outbox (queued + unacknowledged,
// bounded by ?maxOutboxMessages=5) fills up and the page refuses more, keeping
// the text in the field. Once the proxy reads again, every waiting message is
// delivered exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './harness.js';
import { TIMEOUT, pagesFor, statusOf, waitReady, say, shown, waitForMessage, waitAllDelivered } from './chat-page.js';
import { startServer } from '../../server/app.js';
import { startTcpProxy } from '../fixtures/tcp-proxy.js';

let browser;
let server;
let proxy;
before(async () => {
  server = await startServer({ port: 0 });
  proxy = await startTcpProxy({ targetPort: server.port });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await proxy?.close();
  await server?.close();
});

const OUTBOX_FULL = 'Too many messages are waiting to be sent; try again when they have gone out.';

test('a server that stops reading fills the outbox; the page refuses, then delivers each message once', async (t) => {
  const pages = pagesFor(t, browser);
  const slow = await pages.open(server.url, {
    server: `ws://127.0.0.1:${proxy.port}/ws`, nickname: 'slow', maxOutboxMessages: 5,
  });
  const direct = await pages.open(server.url, { nickname: 'direct' });
  await waitReady(slow.page, 'slow');
  await waitReady(direct.page, 'direct');

  proxy.pause();
  // Submit until the page refuses (the 6th, by the bound; a few more tries
  // would show a bound that does not hold).
  const accepted = [];
  let refused = null;
  for (let i = 1; i <= 8 && !refused; i++) {
    const text = `stuck message ${i}`;
    const result = await say(slow.page, text);
    if (result.accepted) accepted.push(text);
    else refused = { text, ...result };
  }
  assert.equal(accepted.length, 5, 'the outbox takes maxOutboxMessages messages');
  assert.deepStrictEqual(refused, { text: 'stuck message 6', accepted: false, problem: OUTBOX_FULL });
  assert.equal(await slow.page.inputValue('form[name=publish] input[name=message]'), 'stuck message 6',
    'a refused message stays in the field');
  assert.equal(await statusOf(slow.page, 'outbox'), '5');
  // Written to the socket (the page cannot know the server is not reading), none delivered.
  const states = (await shown(slow.page)).filter((m) => m.own).map((m) => m.state);
  assert.equal(states.length, 5);
  assert.ok(states.every((s) => s === 'queued' || s === 'sent'), `states while stuck: ${states}`);
  assert.ok(!(await shown(direct.page)).some((m) => m.text.startsWith('stuck message')), 'nothing got through');

  proxy.resume();
  await waitAllDelivered(slow.page, 5);
  await slow.page.waitForFunction(() => document.getElementById('outbox').textContent === '0', null, { timeout: TIMEOUT });
  // The refused text is still in the field: submitting it again now works,
  // and, once it arrived, nothing sent before it can still be on its way.
  assert.deepStrictEqual(await say(slow.page, 'stuck message 6'), { accepted: true, problem: '' });
  await waitForMessage(direct.page, 'stuck message 6', 'slow');

  const onDirect = await shown(direct.page);
  assert.deepStrictEqual(onDirect.filter((m) => m.text.startsWith('stuck message')),
    [...accepted, 'stuck message 6'].map((text) => ({ from: 'slow', text, own: false, state: null })),
    'each message exactly once, in order');
  const own = await slow.page.evaluate(() => window.__own);
  for (const id of new Set(own.map((e) => e.id))) {
    assert.deepStrictEqual(own.filter((e) => e.id === id).map((e) => e.state), ['queued', 'sent', 'delivered'], `own message ${id}`);
  }
  pages.assertClean();
});
