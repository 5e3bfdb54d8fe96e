// What a message looks like on the page: markup is shown as text, never
// parsed; emoji and CJK text at exactly the length limit (50 code points by
// default, not UTF-16 units or bytes) arrive intact; one more is refused.
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

/** A fresh server per test (so no history from another test) and two pages on it. */
async function twoPages(t) {
  const server = await startServer({ port: 0 });
  t.after(() => server.close());
  const pages = pagesFor(t, browser);
  const alice = await pages.open(server.url, { nickname: 'alice' });
  const bob = await pages.open(server.url, { nickname: 'bob' });
  await waitReady(alice.page, 'alice');
  await waitReady(bob.page, 'bob');
  return { pages, alice, bob };
}

test('markup in a message is shown as text on both pages', async (t) => {
  const { pages, alice, bob } = await twoPages(t);
  const attacks = ['<img src=x onerror="window.__pwned=1">', '<script>window.__pwned=2</script>'];
  for (const text of attacks) {
    assert.deepStrictEqual(await say(alice.page, text), { accepted: true, problem: '' });
    await waitForMessage(bob.page, text, 'alice');
  }
  await waitAllDelivered(alice.page, 2);

  for (const [{ page }, own] of [[alice, true], [bob, false]]) {
    assert.deepStrictEqual((await shown(page)).map((m) => [m.text, m.own]), attacks.map((text) => [text, own]));
    const inside = await page.evaluate(() => ({
      elements: document.querySelectorAll('#messages img, #messages script').length,
      // Only the page's own spans: no element came out of a message's text.
      tags: [...new Set([...document.querySelectorAll('#messages *')].map((e) => e.tagName))].sort(),
      pwned: window.__pwned,
      pwnedDefined: 'pwned' in window || '__pwned' in window,
    }));
    assert.deepStrictEqual(inside, { elements: 0, tags: ['DIV', 'SPAN'], pwned: undefined, pwnedDefined: false });
  }
  pages.assertClean(); // includes: no dialog
});

test('emoji and Chinese text at exactly the length limit arrive intact; one more is refused', async (t) => {
  const { pages, alice, bob } = await twoPages(t);
  const atLimit = ['😀'.repeat(50), '你'.repeat(50), `${'👍🏽'.repeat(16)}${'汉'.repeat(18)}`];
  assert.equal([...atLimit[2]].length, 50, 'a skin-tone emoji is two code points');
  for (const text of atLimit) {
    assert.deepStrictEqual(await say(alice.page, text), { accepted: true, problem: '' });
    await waitForMessage(bob.page, text, 'alice');
  }
  await waitAllDelivered(alice.page, 3);
  const onBob = (await shown(bob.page)).map((m) => m.text);
  assert.deepStrictEqual(onBob, atLimit, 'intact, each once, in order');

  for (const tooLong of ['😀'.repeat(51), '你'.repeat(51)]) {
    const result = await say(alice.page, tooLong);
    assert.deepStrictEqual(result, { accepted: false, problem: 'Messages are limited to 50 characters.' });
    assert.equal(await alice.page.inputValue('form[name=publish] input[name=message]'), tooLong, 'the text stays in the field');
  }
  // Refused before the outbox: nothing new on either page.
  assert.equal((await shown(alice.page)).length, 3);
  assert.equal(await statusOf(alice.page, 'outbox'), '0');
  pages.assertClean();
});
