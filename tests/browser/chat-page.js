// Helpers for the browser tests that drive the app's pages (the chat page at
// `/`, the lesson page) through browsers.js: open a page and collect what went
// wrong in it, type into the chat form, wait for states and messages, read
// what is shown. Not a test file itself: the test files import it.
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { launchBrowser } from './harness.js';
import { withoutAbandonedConnections } from './browsers.js';
import { startServer } from '../../server/app.js';

export const TIMEOUT = 10_000;

const CHAT_PATH = '/';

/**
 * Opens `path` (the chat page by default) with query `params`, in a page of
 * its own (or of `context`); collects console errors, page errors and
 * dialogs. On the chat page, also waits for window.chat and records every
 * own-message event (other pages have no chat). The chat page keeps its
 * outbox in memory here (`?persist=false`) unless `params.persist` is given:
 * in WebKit every window shares storage, and a message left by one test
 * would turn up in the next.
 */
export async function openChat(browser, baseUrl, params = {}, { path = CHAT_PATH, context = browser } = {}) {
  const page = await context.newPage();
  const problems = { consoleErrors: [], pageErrors: [], dialogs: [] };
  page.on('console', (m) => { if (m.type === 'error') problems.consoleErrors.push(m.text); });
  page.on('pageerror', (e) => problems.pageErrors.push(String(e)));
  page.on('dialog', (message) => problems.dialogs.push(message));
  await loadChat(page, baseUrl, params, { path });
  return { page, problems };
}

/** Loads `path` with `params` into an open page (again: a reload); see openChat. */
export async function loadChat(page, baseUrl, params = {}, { path = CHAT_PATH } = {}) {
  const url = new URL(path, baseUrl);
  if (path === CHAT_PATH && !('persist' in params)) url.searchParams.set('persist', 'false');
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
  await page.goto(url.href);
  if (path !== CHAT_PATH) return;
  await page.waitForFunction(() => window.chat !== undefined, null, { timeout: TIMEOUT });
  // Every own-message event, in order, to check the state sequence.
  await page.evaluate(() => {
    window.__own = [];
    window.chat.addEventListener('message', ({ detail }) => {
      if (detail.own) window.__own.push({ id: detail.id, state: detail.state });
    });
  });
}

/** Per test: opens pages (see openChat), closes them afterwards, checks them for errors. */
export function pagesFor(t, browser) {
  const opened = [];
  t.after(async () => { for (const { page } of opened) await page.close().catch(() => {}); });
  return {
    async open(baseUrl, params, options) {
      const chat = await openChat(browser, baseUrl, params, options);
      opened.push(chat);
      return chat;
    },
    assertClean(allowedConsoleErrors = []) {
      for (const { problems } of opened) {
        const unexpected = withoutAbandonedConnections(problems.consoleErrors)
          .filter((text) => !allowedConsoleErrors.some((re) => re.test(text)));
        assert.deepStrictEqual({ ...problems, consoleErrors: unexpected },
          { consoleErrors: [], pageErrors: [], dialogs: [] }, 'unexpected errors in a page');
      }
    },
  };
}

export const statusOf = (page, id) => page.textContent(`#${id}`);

export function waitForState(page, state) {
  return page.waitForFunction((s) => document.getElementById('state').textContent === s, state, { timeout: TIMEOUT });
}

/** Waits until the page runs in v1 mode under `nickname`. */
export async function waitReady(page, nickname) {
  await waitForState(page, 'open (v1)');
  await page.waitForFunction((n) => window.chat.name === n, nickname, { timeout: TIMEOUT });
}

/** Types `text` into the publish form and submits it; returns what the page did with it. */
export async function say(page, text) {
  await page.fill('form[name=publish] input[name=message]', text);
  await page.press('form[name=publish] input[name=message]', 'Enter');
  return {
    accepted: (await page.inputValue('form[name=publish] input[name=message]')) === '',
    problem: await statusOf(page, 'problem'),
  };
}

/** The messages shown, oldest first, as { from, text, own, state }. */
export function shown(page) {
  return page.evaluate(() => [...document.querySelectorAll('#messages > div.message')].reverse().map((d) => ({
    from: d.querySelector('.from')?.textContent ?? null,
    text: d.querySelector('.text')?.textContent ?? null,
    own: d.classList.contains('own'),
    state: d.dataset.state ?? null,
  })));
}

/** Waits until the page shows a message from someone else with exactly this text. */
export function waitForMessage(page, text, from) {
  return page.waitForFunction(([t, f]) => [...document.querySelectorAll('#messages > div.message:not(.own)')]
    .some((d) => d.querySelector('.text')?.textContent === t && (f === null || d.querySelector('.from')?.textContent === f)),
  [text, from ?? null], { timeout: TIMEOUT });
}

/** Waits until the page shows an own message with each of these texts, in `state` (`delivered`...). */
export function waitForOwn(page, texts, state) {
  return page.waitForFunction(([all, s]) => {
    const own = [...document.querySelectorAll('#messages > div.message.own')];
    return all.every((t) => own.some((d) => d.querySelector('.text').textContent === t && d.dataset.state === s));
  }, [texts, state], { timeout: TIMEOUT });
}

/** Waits until every own message on the page is delivered. */
export function waitAllDelivered(page, count) {
  return page.waitForFunction((n) => {
    const own = document.querySelectorAll('#messages > div.message.own');
    return own.length === n && [...own].every((d) => d.dataset.state === 'delivered');
  }, count, { timeout: TIMEOUT });
}

/**
 * Registers the hooks of a test file that shares one real chat server and one
 * browser among its tests; `site.server` and `site.browser` are set once the
 * `before` hook ran.
 */
export function useChatSite(chatOptions = {}) {
  const site = { server: null, browser: null };
  before(async () => {
    site.server = await startServer({ port: 0, ...chatOptions });
    site.browser = await launchBrowser();
  });
  after(async () => {
    await site.browser?.close();
    await site.server?.close();
  });
  return site;
}
