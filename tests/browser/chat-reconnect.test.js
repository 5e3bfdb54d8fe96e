// The server restarts while a page has messages waiting: server.close() sends
// every client 1001, the pages reconnect by themselves (short backoff via
// ?reconnectMinDelay/?reconnectMaxDelay), and what was typed while the server
// was down goes out after the reconnection, each message exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './harness.js';
import { startServer } from '../../server/app.js';

const TIMEOUT = 10_000;

// --- chat page helpers (kept per file: each test file stands alone) --------

/** Opens the chat page with query `params`; collects console errors, page errors and dialogs. */
async function openChat(browser, baseUrl, params = {}) {
  const page = await browser.newPage();
  const problems = { consoleErrors: [], pageErrors: [], dialogs: [] };
  page.on('console', (m) => { if (m.type() === 'error') problems.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => problems.pageErrors.push(String(e)));
  page.on('dialog', (d) => { problems.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  const url = new URL('/', baseUrl);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
  await page.goto(url.href);
  await page.waitForFunction(() => window.chat !== undefined, null, { timeout: TIMEOUT });
  // Every own-message event, in order, to check the state sequence.
  await page.evaluate(() => {
    window.__own = [];
    window.chat.addEventListener('message', ({ detail }) => {
      if (detail.own) window.__own.push({ id: detail.id, state: detail.state });
    });
  });
  return { page, problems };
}

/** Per test: opens pages, closes them afterwards, checks them for errors. */
function pagesFor(t, browser) {
  const opened = [];
  t.after(async () => { for (const { page } of opened) await page.close().catch(() => {}); });
  return {
    async open(baseUrl, params) {
      const chat = await openChat(browser, baseUrl, params);
      opened.push(chat);
      return chat;
    },
    assertClean(allowedConsoleErrors = []) {
      for (const { problems } of opened) {
        const unexpected = problems.consoleErrors.filter((text) => !allowedConsoleErrors.some((re) => re.test(text)));
        assert.deepStrictEqual({ ...problems, consoleErrors: unexpected },
          { consoleErrors: [], pageErrors: [], dialogs: [] }, 'unexpected errors in a page');
      }
    },
  };
}

const statusOf = (page, id) => page.textContent(`#${id}`);

function waitForState(page, state) {
  return page.waitForFunction((s) => document.getElementById('state').textContent === s, state, { timeout: TIMEOUT });
}

/** Waits until the page runs in v1 mode under `nickname`. */
async function waitReady(page, nickname) {
  await waitForState(page, 'open (v1)');
  await page.waitForFunction((n) => window.chat.name === n, nickname, { timeout: TIMEOUT });
}

/** Types `text` into the publish form and submits it; returns what the page did with it. */
async function say(page, text) {
  await page.fill('form[name=publish] input[name=message]', text);
  await page.press('form[name=publish] input[name=message]', 'Enter');
  return {
    accepted: (await page.inputValue('form[name=publish] input[name=message]')) === '',
    problem: await statusOf(page, 'problem'),
  };
}

/** The messages shown, oldest first, as { from, text, own, state }. */
function shown(page) {
  return page.$$eval('#messages > div.message', (divs) => divs.reverse().map((d) => ({
    from: d.querySelector('.from')?.textContent ?? null,
    text: d.querySelector('.text')?.textContent ?? null,
    own: d.classList.contains('own'),
    state: d.dataset.state ?? null,
  })));
}

/** Waits until the page shows a message from someone else with exactly this text. */
function waitForMessage(page, text, from) {
  return page.waitForFunction(([t, f]) => [...document.querySelectorAll('#messages > div.message:not(.own)')]
    .some((d) => d.querySelector('.text')?.textContent === t && (f === null || d.querySelector('.from')?.textContent === f)),
  [text, from ?? null], { timeout: TIMEOUT });
}

/** Waits until every own message on the page is delivered. */
function waitAllDelivered(page, count) {
  return page.waitForFunction((n) => {
    const own = document.querySelectorAll('#messages > div.message.own');
    return own.length === n && [...own].every((d) => d.dataset.state === 'delivered');
  }, count, { timeout: TIMEOUT });
}

// ---------------------------------------------------------------------------

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const RECONNECT = { reconnectMinDelay: 100, reconnectMaxDelay: 300 };
// While nothing listens on the port, every reconnection attempt is refused,
// and Chromium logs each one as a console error. Expected here, and only here.
const SERVER_DOWN_ERRORS = [/^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws' failed: /];

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
  for (const text of typed) assert.deepStrictEqual(await say(alice.page, text), { accepted: true, problem: '' });
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
