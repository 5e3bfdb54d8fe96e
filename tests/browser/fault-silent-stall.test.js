// A connection that goes silent without closing (a half-open TCP connection,
// a stuck server): only the heartbeat can notice. With
// ?heartbeatInterval=500&heartbeatTimeout=500 the client must report
// `heartbeat_timeout` within interval + timeout (+ slack for timers and the
// test's own round trips) of the moment the silence began, reconnect by
// itself, and deliver what was typed meanwhile, each message once.
//
// Two ways to go silent:
//   * the hostile server stops answering on that connection (no pong, no ack,
//     no broadcast) but keeps it open;
//   * the real server behind the TCP proxy, paused: tests/fixtures/tcp-proxy.js
//     pauses only the client -> server direction, which is enough here: the
//     server sends nothing unprompted (no one else joins or speaks), so the
//     page hears nothing either. The reconnection goes through the same proxy
//     once it is resumed (the test resumes it when the page reports the
//     timeout); the abandoned connection's bytes are then forwarded too, so
//     the server sees the waiting messages twice and must broadcast them once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './harness.js';
import { TIMEOUT, pagesFor, waitReady, shown, waitForMessage, waitForOwn } from './chat-page.js';
import { startServer } from '../../server/app.js';
import { startTcpProxy } from '../fixtures/tcp-proxy.js';
import { startHostileServer } from '../fixtures/hostile-server.js';

const HEARTBEAT = { heartbeatInterval: 500, heartbeatTimeout: 500 };
const RECONNECT = { reconnectMinDelay: 100, reconnectMaxDelay: 300 };
const SLACK_MS = 600;

let browser;
let site; // the real server: serves the page, and is the chat of the proxy test
before(async () => {
  site = await startServer({ port: 0 });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await site?.close();
});

/** Records the client's events with the page's clock; marks the start of the silence. */
function record(page) {
  return page.evaluate(() => {
    window.__log = [];
    for (const type of ['open', 'error', 'close']) {
      window.chat.addEventListener(type, ({ detail }) => window.__log.push({ type, at: performance.now(), ...detail }));
    }
  });
}
const markSilence = (page) => page.evaluate(() => { window.__silentSince = performance.now(); });

/** Waits for heartbeat_timeout; returns how long after the mark it came, and the events since. */
async function detection(page, timeout = TIMEOUT) {
  await page.waitForFunction(() => window.__log.some((e) => e.code === 'heartbeat_timeout'), null, { timeout });
  return page.evaluate(() => {
    const error = window.__log.find((e) => e.code === 'heartbeat_timeout');
    return { afterMs: Math.round(error.at - window.__silentSince), events: window.__log.map((e) => `${e.type} ${e.code ?? e.mode}`) };
  });
}

function assertDetectedInTime(t, { afterMs, events }, heartbeat = HEARTBEAT) {
  const bound = heartbeat.heartbeatInterval + heartbeat.heartbeatTimeout + SLACK_MS;
  t.diagnostic(`heartbeat_timeout ${afterMs} ms after the silence began (bound ${bound} ms)`);
  assert.ok(afterMs <= bound, `heartbeat_timeout ${afterMs} ms after the silence began, bound ${bound} ms`);
  assert.ok(afterMs >= heartbeat.heartbeatTimeout - 50, `not before a ping went unanswered for heartbeatTimeout (${afterMs} ms)`);
  assert.deepStrictEqual(events.slice(0, 2), ['error heartbeat_timeout', 'close 1006'], 'reported, then the connection abandoned');
}

test('a server that stops answering: heartbeat_timeout within interval + timeout, reconnect, queued messages delivered', async (t) => {
  const hostile = await startHostileServer();
  t.after(() => hostile.close());
  const pages = pagesFor(t, browser);
  const { page } = await pages.open(site.url, { server: hostile.url, nickname: 'ana', ...HEARTBEAT, ...RECONNECT });
  await waitReady(page, 'ana');
  const first = await hostile.connection(0);
  // The heartbeat works while the server answers: a few pongs, no timeout.
  await first.waitForFrame((f) => f.json?.type === 'ping' && f.json.nonce >= 1);
  await record(page);

  await markSilence(page);
  first.silence();
  const typed = ['said into the silence 1', 'said into the silence 2'];
  for (const text of typed) assert.equal((await page.evaluate((m) => window.chat.send(m), text)).ok, true);

  const detected = await detection(page);
  assertDetectedInTime(t, detected);
  const close = (await page.evaluate(() => window.__log)).find((e) => e.type === 'close');
  assert.equal(typeof close.reconnectIn, 'number', 'the client comes back');

  const second = await hostile.connection(1);
  await page.waitForFunction(() => window.chat.state === 'open' && window.chat.queued === 0, null, { timeout: TIMEOUT });
  // The silent connection was abandoned; the waiting messages went out on the new one.
  const says = second.received.filter((f) => f.json?.type === 'say').map((f) => f.json.text);
  assert.deepStrictEqual(says, typed);
  // Written is not acknowledged yet: wait for the acks before reading the states.
  await waitForOwn(page, typed, 'delivered');
  const mine = (await shown(page)).filter((m) => typed.includes(m.text));
  assert.deepStrictEqual(mine.map((m) => [m.text, m.state]), typed.map((text) => [text, 'delivered']), 'each once, delivered');
  // And the heartbeat runs on the new connection.
  await second.waitForFrame((f) => f.json?.type === 'ping');
  pages.assertClean();
});

test('a connection that stalls in the network (proxy paused): detected, reconnected, each message once', async (t) => {
  const proxy = await startTcpProxy({ targetPort: site.port });
  t.after(() => proxy.close());
  const pages = pagesFor(t, browser);
  const stalled = await pages.open(site.url, { server: `ws://127.0.0.1:${proxy.port}/ws`, nickname: 'stalled', ...HEARTBEAT, ...RECONNECT });
  const direct = await pages.open(site.url, { nickname: 'direct' });
  await waitReady(stalled.page, 'stalled');
  await waitReady(direct.page, 'direct');
  await record(stalled.page);

  await markSilence(stalled.page);
  proxy.pause();
  const typed = ['typed into the stall 1', 'typed into the stall 2', 'typed into the stall 3'];
  for (const text of typed) assert.equal((await stalled.page.evaluate((m) => window.chat.send(m), text)).ok, true);

  const detected = await detection(stalled.page);
  const throughDuringStall = (await shown(direct.page)).filter((m) => typed.includes(m.text));
  proxy.resume();
  assertDetectedInTime(t, detected);
  assert.deepStrictEqual(throughDuringStall, [], 'nothing got through the stall');

  await stalled.page.waitForFunction(() => window.chat.state === 'open' && window.chat.queued === 0, null, { timeout: TIMEOUT });
  // Nothing is in flight any more: a last message, once it arrived, follows
  // anything the old connection's forwarded bytes could still add.
  assert.equal((await stalled.page.evaluate(() => window.chat.send('after the stall'))).ok, true);
  await waitForMessage(direct.page, 'after the stall', 'stalled');

  const onDirect = (await shown(direct.page)).filter((m) => typed.includes(m.text));
  assert.deepStrictEqual(onDirect.map((m) => [m.from, m.text]), typed.map((text) => ['stalled', text]), 'each once, in order');
  const own = await stalled.page.evaluate(() => window.__own);
  for (const text of typed) {
    const line = (await shown(stalled.page)).filter((m) => m.text === text);
    assert.deepStrictEqual(line.map((m) => m.state), ['delivered'], `"${text}" shown once, delivered`);
  }
  assert.ok(own.every((e) => e.state !== 'failed'));
  pages.assertClean();
});

test('a timeout longer than the interval (300 ms pings, 600 ms timeout) still detects the silence', async (t) => {
  const heartbeat = { heartbeatInterval: 300, heartbeatTimeout: 600 };
  const hostile = await startHostileServer();
  t.after(() => hostile.close());
  const pages = pagesFor(t, browser);
  const { page } = await pages.open(site.url, { server: hostile.url, nickname: 'ana', ...heartbeat, ...RECONNECT });
  await waitReady(page, 'ana');
  const first = await hostile.connection(0);
  await first.waitForFrame((f) => f.json?.type === 'ping');
  await record(page);
  await markSilence(page);
  first.silence();
  const pingsBefore = first.received.filter((f) => f.json?.type === 'ping').length;
  // A deadline well past the bound (1,500 ms), far below the test's own.
  const detected = await detection(page, 2500).catch(async () => {
    const unanswered = first.received.filter((f) => f.json?.type === 'ping').length - pingsBefore;
    throw new Error(`no heartbeat_timeout 2.5 s into the silence; ${unanswered} pings went unanswered meanwhile`);
  });
  assertDetectedInTime(t, detected, heartbeat);
  await hostile.connection(1);
  pages.assertClean();
});
