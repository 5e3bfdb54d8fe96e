// Against the WebSocket lesson's classic relay (tests/fixtures/classic-relay.js):
// it echoes the offered wasmchat.v1 subprotocol without speaking it and relays
// every message as a binary frame. The page (served by the real app server,
// pointed at the relay with ?server=) must notice the missing welcome, switch
// to plain mode after ?greetingTimeout, and still show messages as text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './harness.js';
import { startServer } from '../../server/app.js';
import { startClassicRelay } from '../fixtures/classic-relay.js';

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
