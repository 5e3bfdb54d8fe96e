// The server crashes in the middle of a burst: one page sends 1,000 messages
// from a script loop, the real chat server (a child process) is killed with
// SIGKILL while they are going out, and started again on the same port. The
// restarted server remembers nothing (new session, seq from 1, no history, no
// ids), so the receiving page counts what it received across both server lives.
//
// The server runs with messagesPerSecond: 200 (the client paces itself to 80%
// of it, so the burst takes about six seconds): the kill, once the receiver
// has seen 200, lands inside it however slowly a loaded machine's driver
// looks at the page (at 400/s a busy driver sometimes saw the whole burst
// before it could kill).
// server/index.js cannot set that option (it reads only PORT, HOST,
// WASMCHAT_ALLOWED_ORIGINS and WASMCHAT_HISTORY), so the child is
// chat-server-process.js's wrapper around server/app.js startServer().
//
// What a page that was away gets back is the `history` of the welcome, the
// newest historySize messages (default 100). The first test gives the server
// a history as long as the burst, so that nothing depends on which page
// reconnects first; the second keeps the default and lets the receiver come
// back after the sender (a longer backoff): it shows what happens to the
// messages broadcast while it was away.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './harness.js';
import { pagesFor, waitReady } from './chat-page.js';
import { startChatServerProcess } from '../fixtures/chat-server-process.js';
import { connectionFailedLog } from './browsers.js';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const BURST = 1000;
const KILL_AFTER = 200; // messages the receiver has seen when the server is killed
const DEADLINE_MS = 30_000;
const SENDER = { reconnectMinDelay: 100, reconnectMaxDelay: 400, maxOutboxMessages: 2000 };
// While nothing listens on the port, every reconnection attempt is refused and
// Chromium logs it. Expected here.
const SERVER_DOWN_ERRORS = [connectionFailedLog(String.raw`ws://127\.0\.0\.1:\d+/ws`)];

async function burstAcrossKill(t, { chatOptions, receiver, expectGap = false }) {
  const server = await startChatServerProcess({ chatOptions: { messagesPerSecond: 200, ...chatOptions } });
  t.after(() => server.stop());
  const pages = pagesFor(t, browser);
  const alice = await pages.open(server.url, { nickname: 'alice', ...SENDER });
  const bob = await pages.open(server.url, { nickname: 'bob', ...receiver });
  await waitReady(alice.page, 'alice');
  await waitReady(bob.page, 'bob');

  // Bob keeps every message he is shown (not the DOM: it keeps only the newest 500).
  await bob.page.evaluate(() => {
    window.__got = [];
    window.__missed = 0;
    window.chat.addEventListener('message', ({ detail }) => {
      if (!detail.own) window.__got.push({ from: detail.from, text: detail.text });
    });
    window.chat.addEventListener('error', ({ detail }) => {
      if (detail.code === 'missed_messages') window.__missed += Number.parseInt(detail.message, 10);
    });
    // What the first server life showed him: its close event comes after its last frame.
    window.__gotAtClose = null;
    window.chat.addEventListener('close', () => { window.__gotAtClose ??= window.__got.length; });
  });
  await alice.page.evaluate(() => {
    window.__closes = [];
    window.__deliveredAtClose = null;
    window.chat.addEventListener('close', ({ detail }) => {
      window.__closes.push(detail);
      window.__deliveredAtClose ??= window.__own.filter((e) => e.state === 'delivered').length;
    });
  });

  const texts = Array.from({ length: BURST }, (_, i) => `burst ${String(i + 1).padStart(4, '0')}`);
  const results = await alice.page.evaluate((all) => {
    const out = [];
    for (const text of all) out.push(window.chat.send(text));
    return out;
  }, texts);
  assert.deepStrictEqual(results.filter((r) => !r.ok), [], 'the outbox takes the whole burst');

  // The kill: once the burst is visibly under way on the other page.
  await bob.page.waitForFunction((n) => window.__got.length >= n, KILL_AFTER, { timeout: DEADLINE_MS });
  await server.kill();
  const atKill = {
    received: await bob.page.evaluate(() => window.__got.length),
    delivered: await alice.page.evaluate(() => window.__own.filter((e) => e.state === 'delivered').length),
  };
  t.diagnostic(`killed with ${atKill.received} received by bob, ${atKill.delivered} delivered to alice`);
  assert.ok(atKill.delivered < BURST, `the kill must land inside the burst (${JSON.stringify(atKill)})`);

  // Back at once, however long the driver takes to look at the pages (WebKit's
  // is slower): the receiver's fixed reconnect delay then decides, not the driver.
  await server.restart();

  // The sender noticed (1006: a killed process sends no close frame) and retries.
  await alice.page.waitForFunction(() => window.__closes.length > 0, null, { timeout: DEADLINE_MS });
  const [lost] = await alice.page.evaluate(() => window.__closes);
  assert.equal(lost.code, 1006, 'a killed server sends no close frame');
  assert.equal(typeof lost.reconnectIn, 'number', 'the client comes back');
  await alice.page.waitForFunction((n) => {
    const last = new Map();
    for (const { id, state } of window.__own) last.set(id, state);
    return last.size === n && [...last.values()].every((s) => s === 'delivered' || s === 'failed');
  }, BURST, { timeout: DEADLINE_MS });

  // The sender: each message ends delivered, none failed.
  const finalState = new Map();
  for (const { id, state } of await alice.page.evaluate(() => window.__own)) finalState.set(id, state);
  assert.equal(finalState.size, BURST);
  assert.deepStrictEqual([...new Set(finalState.values())], ['delivered'], 'every own message ends delivered');
  assert.equal(await alice.page.evaluate(() => window.chat.queued), 0);

  // Everything alice sent is acknowledged; one more message, once it reached
  // bob, follows anything a late re-send could still add.
  await bob.page.waitForFunction(() => window.chat.state === 'open', null, { timeout: DEADLINE_MS });
  assert.equal((await alice.page.evaluate(() => window.chat.send('after the burst'))).ok, true);
  await bob.page.waitForFunction(() => window.__got.some((m) => m.text === 'after the burst'), null, { timeout: DEADLINE_MS });

  const got = (await bob.page.evaluate(() => window.__got)).filter((m) => m.text !== 'after the burst');
  assert.ok(got.every((m) => m.from === 'alice'), 'only alice spoke');
  const gotTexts = got.map((m) => m.text);
  const counts = new Map();
  for (const text of gotTexts) counts.set(text, (counts.get(text) ?? 0) + 1);
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([text]) => text);
  const missing = texts.filter((text) => !counts.has(text));
  const range = (list) => (list.length ? `${list.length}: ${list[0]} .. ${list.at(-1)}` : 'none');
  const missed = await bob.page.evaluate(() => window.__missed);
  if (expectGap) {
    // What the history could not hold is lost to bob, but never silently:
    // the client reports exactly how many messages it missed.
    // Bob's count also takes in the copies of what he was shown before the
    // crash but alice never had acked: she sent them again, the new server
    // numbered them first, and they left its history before bob came back.
    // He cannot tell by id a message he never received (seen once in CI: the
    // kill fell between the broadcast of one message and its ack).
    const gotAtClose = await bob.page.evaluate(() => window.__gotAtClose);
    const deliveredAtClose = await alice.page.evaluate(() => window.__deliveredAtClose);
    const copies = gotAtClose - deliveredAtClose;
    t.diagnostic(`bob missed ${range(missing)}; reported ${missed} (first life: bob shown ${gotAtClose}, alice acked ${deliveredAtClose})`);
    assert.ok(missing.length > 0, 'the scenario must overflow the history');
    assert.ok(copies >= 0, `an ack goes out only after every receiver's copy (${gotAtClose} shown, ${deliveredAtClose} acked)`);
    assert.deepStrictEqual({ duplicated: range(duplicated), reported: missed }, { duplicated: 'none', reported: missing.length + copies });
    assert.deepStrictEqual(gotTexts, texts.filter((text) => counts.has(text)), 'the rest in the order sent');
    pages.assertClean(SERVER_DOWN_ERRORS);
    return;
  }
  assert.equal(missed, 0, 'nothing reported missing');
  assert.deepStrictEqual({ received: gotTexts.length, duplicated: range(duplicated), missing: range(missing) },
    { received: BURST, duplicated: 'none', missing: 'none' },
    `every message exactly once on the receiving page (killed with ${atKill.received} received, ${atKill.delivered} delivered)`);
  assert.deepStrictEqual(gotTexts, texts, 'in the order sent');
  pages.assertClean(SERVER_DOWN_ERRORS);
}

test('SIGKILL in the middle of a 1,000-message burst: every message arrives once, in order, and ends delivered', async (t) => {
  await burstAcrossKill(t, {
    chatOptions: { historySize: BURST },
    receiver: { reconnectMinDelay: 100, reconnectMaxDelay: 400 },
  });
});

// The welcome's history (the newest historySize = 100) is the only catch-up:
// a receiver away while more went out cannot get them back, and must say so.
test('a receiver that reconnects after the sender misses what the history no longer holds, and reports exactly that', async (t) => {
  await burstAcrossKill(t, {
    expectGap: true,
    chatOptions: {},
    // Back 3-6 s after the crash, while the sender is back after 0.05-0.4 s
    // plus what the engine adds: Firefox delays a WebSocket to a host whose
    // connections just failed (network.websocket.delay-failed-reconnects), so
    // with 1.5-3 s its sender sometimes came back as late as the receiver.
    receiver: { reconnectMinDelay: 6000, reconnectMaxDelay: 6000 },
  });
});
