// Writes docs/screenshot.png: the chat page (900x600) after a short
// conversation between two people. Text is ASCII plus symbols DejaVu Sans
// covers: the test machine has no CJK or colour emoji font.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './harness.js';
import { startServer } from '../../server/app.js';

const TIMEOUT = 10_000;
const SCREENSHOT = fileURLToPath(new URL('../../docs/screenshot.png', import.meta.url));

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

test('screenshot of a short conversation (docs/screenshot.png)', async (t) => {
  const pages = pagesFor(t, browser);
  const alice = await pages.open(server.url, { nickname: 'alice' });
  const bob = await pages.open(server.url, { nickname: 'bob' });
  await waitReady(alice.page, 'alice');
  await waitReady(bob.page, 'bob');
  await alice.page.setViewportSize({ width: 900, height: 600 });

  const conversation = [
    [bob, 'bob', 'Hi Alice! Is the WebAssembly build ready?'],
    [alice, 'alice', 'Yes: the whole client is C++ now ☺'],
    [bob, 'bob', 'And <b>markup</b> shows as text?'],
    [alice, 'alice', 'Always. Messages go queued -> sent -> delivered ✓'],
  ];
  let aliceSent = 0;
  for (const [sender, name, text] of conversation) {
    assert.equal((await say(sender.page, text)).accepted, true);
    await waitForMessage((sender === alice ? bob : alice).page, text, name);
    if (sender === alice) await waitAllDelivered(alice.page, ++aliceSent);
  }
  await alice.page.waitForFunction(() => document.getElementById('online').textContent === '2', null, { timeout: TIMEOUT });
  // One message typed but not sent yet, as someone mid-conversation would have.
  await alice.page.fill('form[name=publish] input[name=message]', 'Let me show you the outbox...');
  // #buffered-amount and #outbox are refreshed on a timer too; make sure they settled.
  await alice.page.waitForFunction(() => document.getElementById('outbox').textContent === '0'
    && document.getElementById('buffered-amount').textContent === '0', null, { timeout: TIMEOUT });

  fs.mkdirSync(new URL('../../docs/', import.meta.url), { recursive: true });
  await alice.page.screenshot({ path: SCREENSHOT, fullPage: false });
  const png = fs.readFileSync(SCREENSHOT);
  assert.deepStrictEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG file');
  // IHDR: width and height, big-endian, at bytes 16..23.
  assert.deepStrictEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [900, 600]);
  pages.assertClean();
});
