// The server restarts while a page has messages waiting: server.close() sends
// every client 1001, the pages reconnect by themselves (short backoff via
// ?reconnectMinDelay/?reconnectMaxDelay), and what was typed while the server
// was down goes out after the reconnection, each message exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './harness.js';
import { TIMEOUT, pagesFor, statusOf, waitForState, waitReady, say, shown, waitForMessage, waitAllDelivered } from './chat-page.js';
import { startServer } from '../../server/app.js';
import { connectionFailedLog } from './browsers.js';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const RECONNECT = { reconnectMinDelay: 100, reconnectMaxDelay: 300 };
// While nothing listens on the port, every reconnection attempt is refused,
// and Chromium logs each one as a console error. Expected here, and only here.
const SERVER_DOWN_ERRORS = [connectionFailedLog(String.raw`ws://127\.0\.0\.1:\d+/ws`)];

function count(messages, text) {
  return messages.filter((m) => m.text === text).length;
}

test('messages typed while the server restarts are delivered exactly once', async (t) => {
  let server = await startServer({ port: 0 });
  t.after(() => server.close());
  const { port } = server;
  const pages = pagesFor(t, browser);
  const alice = await pages.open(server.url, { nickname: 'alice', ...RECONNECT });
  const bob = await pages.open(server.url, { nickname: 'bob', ...RECONNECT });
  await waitReady(alice.page, 'alice');
  await waitReady(bob.page, 'bob');
  for (const { page } of [alice, bob]) {
    await page.evaluate(() => {
      window.__closes = [];
      window.chat.addEventListener('close', ({ detail }) => window.__closes.push(detail));
    });
  }

  assert.equal((await say(alice.page, 'before the restart')).accepted, true);
  await waitForMessage(bob.page, 'before the restart', 'alice');
  await waitAllDelivered(alice.page, 1);

  await server.close();
  for (const { page } of [alice, bob]) {
    await page.waitForFunction(() => window.__closes.length > 0 && window.chat.state !== 'open', null, { timeout: TIMEOUT });
    const [first] = await page.evaluate(() => window.__closes);
    assert.equal(first.code, 1001, 'the server going away says 1001');
    assert.equal(typeof first.reconnectIn, 'number', 'and the client comes back');
    assert.ok(first.reconnectIn <= 300, `reconnectIn ${first.reconnectIn} ms is within reconnectMaxDelay`);
  }

  const typed = ['while down 1', 'while down 2', 'while down 3'];
  // Accepted (field cleared). #problem is not checked: a failed reconnection
  // attempt may write its "Connection lost" note there at any moment.
  for (const text of typed) assert.equal((await say(alice.page, text)).accepted, true);
  assert.equal((await say(bob.page, 'bob, while down')).accepted, true);
  assert.deepStrictEqual((await shown(alice.page)).filter((m) => typed.includes(m.text)),
    typed.map((text) => ({ from: 'alice', text, own: true, state: 'queued' })));
  assert.equal(await statusOf(alice.page, 'outbox'), '3');

  server = await startServer({ port });
  await waitForState(alice.page, 'open (v1)');
  await waitForState(bob.page, 'open (v1)');
  await waitAllDelivered(alice.page, 4);
  await waitAllDelivered(bob.page, 1);
  // Nothing is in flight any more (both outboxes are empty): a last message
  // from each side, once it arrived, follows anything a re-send could add.
  await say(alice.page, 'alice, the end');
  await say(bob.page, 'bob, the end');
  await waitForMessage(bob.page, 'alice, the end', 'alice');
  await waitForMessage(alice.page, 'bob, the end', 'bob');

  const onBob = await shown(bob.page);
  for (const text of ['before the restart', ...typed]) {
    assert.equal(count(onBob, text), 1, `"${text}" shows once on the other page`);
    assert.equal(onBob.find((m) => m.text === text).from, 'alice');
  }
  assert.equal(count(await shown(alice.page), 'bob, while down'), 1);
  for (const text of typed) assert.equal(count(await shown(alice.page), text), 1, `"${text}" shows once on its sender's page`);

  const own = await alice.page.evaluate(() => window.__own);
  const ids = [...new Set(own.map((e) => e.id))];
  assert.equal(ids.length, 5);
  for (const id of ids) {
    assert.deepStrictEqual(own.filter((e) => e.id === id).map((e) => e.state), ['queued', 'sent', 'delivered'], `own message ${id}`);
  }
  for (const { page } of [alice, bob]) assert.equal(await statusOf(page, 'outbox'), '0');
  pages.assertClean(SERVER_DOWN_ERRORS);
});
