// Against the WebSocket lesson's classic relay (tests/fixtures/classic-relay.js):
// it echoes the offered wasmchat.v1 subprotocol without speaking it and relays
// every message as a binary frame. The page (served by the real app server,
// pointed at the relay with ?server=) must notice the missing welcome, switch
// to plain mode after ?greetingTimeout, and still show messages as text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './harness.js';
import { pagesFor, statusOf, waitForState, say, shown, waitForMessage, waitForOwn } from './chat-page.js';
import { startServer } from '../../server/app.js';
import { startClassicRelay } from '../fixtures/classic-relay.js';
import { startHostileServer } from '../fixtures/hostile-server.js';

let browser;
let server;
let relay;
before(async () => {
  server = await startServer({ port: 0 });
  relay = await startClassicRelay();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await relay?.close();
  await server?.close();
});

test('two pages chat through the classic relay in plain mode', async (t) => {
  const pages = pagesFor(t, browser);
  const params = { server: `ws://127.0.0.1:${relay.port}/`, greetingTimeout: 300 };
  const alice = await pages.open(server.url, params);
  const bob = await pages.open(server.url, params);
  for (const { page } of [alice, bob]) {
    await waitForState(page, 'open (plain)');
    assert.equal(await statusOf(page, 'ready-state'), 'OPEN');
    assert.equal(await statusOf(page, 'online'), '–', 'a plain server reports no presence');
    assert.equal(await page.evaluate(() => window.chat.mode), 'plain');
  }

  const fromAlice = 'Hello over the classic relay <b>bold?</b> 😀';
  const fromBob = 'Hi Alice & <i>everyone</i> 🎉';
  assert.deepStrictEqual(await say(alice.page, fromAlice), { accepted: true, problem: '' });
  await waitForMessage(bob.page, fromAlice, null);
  assert.deepStrictEqual(await say(bob.page, fromBob), { accepted: true, problem: '' });
  await waitForMessage(alice.page, fromBob, null);
  // The relay sends everything to everyone, the sender included, and plain
  // mode has no ids to recognise one's own message by: each page also shows
  // its own message once more as it came back from the relay.
  await waitForMessage(alice.page, fromAlice, null);
  await waitForMessage(bob.page, fromBob, null);

  for (const [{ page }, own, other] of [[alice, fromAlice, fromBob], [bob, fromBob, fromAlice]]) {
    const messages = await shown(page);
    const others = messages.filter((m) => !m.own);
    // Plain messages carry no sender: just the text, once per broadcast.
    assert.equal(others.filter((m) => m.text === other).length, 1);
    assert.equal(others.filter((m) => m.text === own).length, 1);
    assert.ok(others.every((m) => m.from === null), 'no sender in plain mode');
    // Own message: final once sent (nothing acknowledges it in plain mode).
    assert.deepStrictEqual(messages.filter((m) => m.own), [{ from: 'me', text: own, own: true, state: 'sent' }]);
    assert.deepStrictEqual((await page.evaluate(() => window.__own)).map((e) => e.state), ['queued', 'sent']);
    assert.equal(await page.evaluate(() => document.querySelectorAll('#messages b, #messages i').length), 0,
      'markup shown as text');
    assert.equal(await statusOf(page, 'outbox'), '0');
  }
  pages.assertClean();
});

test('a message typed before the mode is known waits, then goes out in plain mode', async (t) => {
  const pages = pagesFor(t, browser);
  // A longer greeting timeout than above: the test types during the greeting,
  // which must outlast a few driver round trips on a loaded machine (WebKit's
  // WebDriver is the slowest).
  const params = { server: `ws://127.0.0.1:${relay.port}/`, greetingTimeout: 3000 };
  const listener = await pages.open(server.url, { ...params, greetingTimeout: 300 });
  await waitForState(listener.page, 'open (plain)');
  const early = await pages.open(server.url, params);
  await waitForState(early.page, 'greeting');

  const text = 'typed during the greeting';
  assert.equal((await say(early.page, text)).accepted, true);
  const [mine] = (await shown(early.page)).filter((m) => m.own);
  assert.deepStrictEqual(mine, { from: 'me', text, own: true, state: 'queued' }, 'waits for the mode');
  assert.equal(await statusOf(early.page, 'outbox'), '1');

  await waitForState(early.page, 'open (plain)');
  await waitForMessage(listener.page, text, null);
  await waitForMessage(early.page, text, null); // the relay's echo
  // Sent as plain text, once: the relay shows it as it was typed.
  assert.equal((await shown(listener.page)).filter((m) => m.text === text).length, 1);
  assert.deepStrictEqual((await early.page.evaluate(() => window.__own)).map((e) => e.state), ['queued', 'sent']);
  assert.equal(await statusOf(early.page, 'outbox'), '0');
  pages.assertClean();
});

test('a welcome slower than greetingTimeout still makes the connection v1: a message typed meanwhile is delivered once', async (t) => {
  // The welcome comes 4 s after the handshake (a slow link, a history of
  // megabytes): long enough for the page to switch to plain and for the test
  // to type there, through a few driver round trips (WebKit's are slow).
  const hostile = await startHostileServer({ welcomeDelayMs: 4000 });
  t.after(() => hostile.close());
  const pages = pagesFor(t, browser);
  const { page } = await pages.open(server.url, { server: hostile.url, greetingTimeout: 300 });
  await waitForState(page, 'open (plain)');
  const text = 'typed before the welcome';
  assert.equal((await say(page, text)).accepted, true);
  await waitForState(page, 'open (v1)');
  await waitForOwn(page, [text], 'delivered');
  const conn = await hostile.connection(0);
  // Out once as a text frame (plain), then again as a say with its id.
  const mine = conn.received.filter((f) => f.text === text || f.json?.text === text);
  assert.deepStrictEqual(mine.map((f) => f.json?.type ?? 'text'), ['text', 'say']);
  assert.deepStrictEqual((await shown(page)).filter((m) => m.text === text).map((m) => [m.own, m.state]), [[true, 'delivered']]);
  assert.deepStrictEqual((await page.evaluate(() => window.__own)).map((e) => e.state), ['queued', 'sent', 'sent', 'delivered']);
  pages.assertClean();
});
