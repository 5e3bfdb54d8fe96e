// The chat page end to end, as people use it: two pages talk through the
// form (type + submit) via the real server, each sees the other's messages
// under the sender's nickname, own messages go queued -> sent -> delivered,
// and a newcomer gets the conversation so far from the welcome's history.
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
let server;
before(async () => {
  server = await startServer({ port: 0 });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('two pages chat both ways through the form, under their nicknames', async (t) => {
  const pages = pagesFor(t, browser);
  const alice = await pages.open(server.url, { nickname: 'alice' });
  const bob = await pages.open(server.url, { nickname: 'bob' });
  await waitReady(alice.page, 'alice');
  await waitReady(bob.page, 'bob');
  await alice.page.waitForFunction(() => document.getElementById('online').textContent === '2', null, { timeout: TIMEOUT });

  assert.deepStrictEqual(await say(alice.page, 'Hi Bob!'), { accepted: true, problem: '' });
  await waitForMessage(bob.page, 'Hi Bob!', 'alice');
  assert.deepStrictEqual(await say(bob.page, 'Hello Alice :)'), { accepted: true, problem: '' });
  await waitForMessage(alice.page, 'Hello Alice :)', 'bob');
  await waitAllDelivered(alice.page, 1);
  await waitAllDelivered(bob.page, 1);

  assert.deepStrictEqual(await shown(alice.page), [
    { from: 'alice', text: 'Hi Bob!', own: true, state: 'delivered' },
    { from: 'bob', text: 'Hello Alice :)', own: false, state: null },
  ]);
  assert.deepStrictEqual(await shown(bob.page), [
    { from: 'alice', text: 'Hi Bob!', own: false, state: null },
    { from: 'bob', text: 'Hello Alice :)', own: true, state: 'delivered' },
  ]);
  // queued -> sent -> delivered, each once, for the one own message.
  for (const { page } of [alice, bob]) {
    const own = await page.evaluate(() => window.__own);
    assert.deepStrictEqual(own.map((e) => e.state), ['queued', 'sent', 'delivered']);
    assert.equal(new Set(own.map((e) => e.id)).size, 1);
    assert.equal(await statusOf(page, 'outbox'), '0');
  }
  pages.assertClean();
});

test('a newcomer sees the earlier messages (history)', async (t) => {
  const pages = pagesFor(t, browser);
  const carol = await pages.open(server.url, { nickname: 'carol' });
  const dave = await pages.open(server.url, { nickname: 'dave' });
  await waitReady(carol.page, 'carol');
  await waitReady(dave.page, 'dave');
  // Unique texts: the server is shared with the other test of this file.
  const lines = [['carol', 'history one'], ['dave', 'history two'], ['carol', 'history three']];
  for (const [who, text] of lines) {
    const { page } = who === 'carol' ? carol : dave;
    assert.equal((await say(page, text)).accepted, true);
    await waitForMessage((who === 'carol' ? dave : carol).page, text, who);
  }
  await waitAllDelivered(carol.page, 2);
  await waitAllDelivered(dave.page, 1);

  const erin = await pages.open(server.url, { nickname: 'erin' });
  await waitReady(erin.page, 'erin');
  await waitForMessage(erin.page, 'history three', 'carol');
  const history = (await shown(erin.page)).filter((m) => m.text.startsWith('history '));
  assert.deepStrictEqual(history, lines.map(([from, text]) => ({ from, text, own: false, state: null })));
  // And the newcomer is part of the conversation from now on.
  assert.equal((await say(erin.page, 'history four')).accepted, true);
  await waitForMessage(carol.page, 'history four', 'erin');
  await waitForMessage(dave.page, 'history four', 'erin');
  pages.assertClean();
});
