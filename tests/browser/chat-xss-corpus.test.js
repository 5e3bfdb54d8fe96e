// Every payload of tests/fixtures/xss-payloads.json (tags, attributes,
// javascript: URLs, SVG, entities, RTL and zero-width tricks, strings at the
// code-point limit) goes through each place where text from the network or
// the user reaches the page, and must show only as text:
//   * as a message, typed into the form, on the sender's and another page;
//   * as a nickname, through the nick form (and ?nickname= for a few): the
//     server refuses invalid or reserved names (bad_name), which is fine;
//     an accepted one shows as the sender of a message on both pages;
//   * as a close reason: a server closes with 4000 and the payload (cut to
//     the 123 bytes a close reason can hold), shown in #problem.
// Each time: textContent equals the payload, #messages holds only the view's
// own div.message > span.from/.text/.state, nothing was added elsewhere in
// the page, no dialog opened, and the sentinel window.__pwned stays undefined.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { launchBrowser } from './harness.js';
import { TIMEOUT, pagesFor, waitReady, say, shown, waitAllDelivered } from './chat-page.js';
import { startServer } from '../../server/app.js';
import { nameProblem } from '../../server/chat-server.js';
import { startHostileServer } from '../fixtures/hostile-server.js';
import { ENGINE } from './browsers.js';

const corpus = JSON.parse(fs.readFileSync(new URL('../fixtures/xss-payloads.json', import.meta.url), 'utf8'));
const { maxCodePoints, payloads } = corpus;
const LIMITS = { maxLength: maxCodePoints };

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/** A fresh server whose limits fit the corpus (and a quick rate, for 50+ messages). */
async function chatServer(t) {
  const server = await startServer({ port: 0, maxCodePoints, messagesPerSecond: 500 });
  t.after(() => server.close());
  return server;
}

/** What the page looks like, for comparison with what it looked like before. */
function inspect(page) {
  return page.evaluate(() => {
    const messages = document.getElementById('messages');
    const attributesOk = (el, allowed) => [...el.attributes].every((a) => allowed.includes(a.name));
    const foreign = [];
    for (const el of messages.querySelectorAll('*')) {
      const ok = el.parentElement === messages
        ? el.tagName === 'DIV' && /^message( own)?$/.test(el.className) && attributesOk(el, ['class', 'part', 'data-id', 'data-state'])
        : el.tagName === 'SPAN' && el.parentElement.parentElement === messages && ['from', 'text', 'state'].includes(el.className)
          && el.childElementCount === 0 && attributesOk(el, ['class']);
      if (!ok) foreign.push(el.outerHTML.slice(0, 160));
    }
    const outside = [...document.querySelectorAll('*')].filter((e) => !messages.contains(e) || e === messages);
    return {
      foreign,
      outside: outside.map((e) => e.tagName).join(' '),
      problemElements: document.getElementById('problem').childElementCount,
      dialogs: document.querySelectorAll('dialog').length,
      pwned: window.__pwned,
      pwnedDefined: '__pwned' in window,
      location: location.pathname,
    };
  });
}

async function assertOnlyText(page, baseline, where) {
  const now = await inspect(page);
  assert.deepStrictEqual(now, { ...baseline, foreign: [] }, `${where}: the page holds only its own elements`);
}

test('every payload, as a message, shows as text on both pages', async (t) => {
  const server = await chatServer(t);
  const pages = pagesFor(t, browser);
  const alice = await pages.open(server.url, { nickname: 'alice', ...LIMITS, maxMessages: 1000 });
  const bob = await pages.open(server.url, { nickname: 'bob', ...LIMITS, maxMessages: 1000 });
  await waitReady(alice.page, 'alice');
  await waitReady(bob.page, 'bob');
  const baseline = { alice: await inspect(alice.page), bob: await inspect(bob.page) };

  for (const { name, text } of payloads) {
    const result = await say(alice.page, text);
    assert.deepStrictEqual(result, { accepted: true, problem: '' }, `"${name}" is accepted by the form`);
  }
  await waitAllDelivered(alice.page, payloads.length);
  await bob.page.waitForFunction((n) => document.querySelectorAll('#messages > div.message:not(.own)').length >= n,
    payloads.length, { timeout: TIMEOUT });

  const expected = payloads.map(({ text }) => text);
  const onAlice = await shown(alice.page);
  const onBob = await shown(bob.page);
  assert.deepStrictEqual(onAlice.map((m) => [m.from, m.text, m.own]), expected.map((text) => ['alice', text, true]), 'the sender\'s page');
  assert.deepStrictEqual(onBob.map((m) => [m.from, m.text, m.own]), expected.map((text) => ['alice', text, false]), 'the other page');
  await assertOnlyText(alice.page, baseline.alice, 'sender');
  await assertOnlyText(bob.page, baseline.bob, 'receiver');
  pages.assertClean(); // no console error, no page error, no dialog
});

test('every payload, as a nickname, is refused or shows as text', async (t) => {
  const server = await chatServer(t);
  const pages = pagesFor(t, browser);
  const carol = await pages.open(server.url, { nickname: 'carol', ...LIMITS, maxMessages: 1000 });
  const bob = await pages.open(server.url, { nickname: 'bob', ...LIMITS, maxMessages: 1000 });
  await waitReady(carol.page, 'carol');
  await waitReady(bob.page, 'bob');
  await carol.page.evaluate(() => {
    window.__errors = [];
    window.chat.addEventListener('error', ({ detail }) => window.__errors.push(detail.code));
  });
  const baseline = { carol: await inspect(carol.page), bob: await inspect(bob.page) };

  // Each payload, and its first 24 code points (the longest a name may be),
  // so that most of the corpus gets a chance to be a name.
  const candidates = [...new Set(payloads.flatMap(({ text }) => [text, [...text].slice(0, 24).join('')]))];
  const accepted = [];
  for (const [i, text] of candidates.entries()) {
    const name = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
    const errorsBefore = await carol.page.evaluate(() => window.__errors.length);
    await carol.page.fill('form[name=nick] input[name=nickname]', text);
    await carol.page.press('form[name=nick] input[name=nickname]', 'Enter');
    await carol.page.waitForFunction(([nick, n]) => window.chat.name === nick || window.__errors.length > n,
      [text, errorsBefore], { timeout: TIMEOUT });
    const outcome = await carol.page.evaluate(() => ({ name: window.chat.name, errors: window.__errors.slice() }));
    const problem = nameProblem(text);
    if (problem === '') {
      assert.equal(outcome.name, text, `${name} is a valid name: in use`);
      const marker = `nick check ${i}`;
      assert.equal((await carol.page.evaluate((m) => window.chat.send(m), marker)).ok, true);
      accepted.push({ name: text, marker });
    } else {
      assert.deepStrictEqual(outcome.errors.slice(errorsBefore), ['bad_name'], `${name} is refused (${problem})`);
      assert.notEqual(outcome.name, text);
    }
    // Back to a plain name, so the next payload's outcome is unambiguous.
    await carol.page.evaluate(() => window.chat.setNickname('carol'));
    await carol.page.waitForFunction(() => window.chat.name === 'carol', null, { timeout: TIMEOUT });
  }
  t.diagnostic(`${accepted.length} of ${candidates.length} candidates are valid nicknames`);
  assert.ok(accepted.length >= 10, 'enough payloads made it through as names');

  await waitAllDelivered(carol.page, accepted.length);
  await bob.page.waitForFunction((n) => document.querySelectorAll('#messages > div.message:not(.own)').length >= n,
    accepted.length, { timeout: TIMEOUT });
  const expected = accepted.map(({ name, marker }) => [name, marker]);
  assert.deepStrictEqual((await shown(bob.page)).map((m) => [m.from, m.text]), expected, 'the sender\'s name, as text, on the other page');
  assert.deepStrictEqual((await shown(carol.page)).map((m) => [m.from, m.text]), expected, 'and on its own page');
  await assertOnlyText(carol.page, baseline.carol, 'nickname changer');
  await assertOnlyText(bob.page, baseline.bob, 'receiver');
  pages.assertClean();

  // ?nickname= on a fresh page, for a few of the accepted ones.
  for (const { name } of accepted.slice(0, 3)) {
    const guest = await pages.open(server.url, { nickname: name, ...LIMITS });
    await waitReady(guest.page, name);
    const base = await inspect(guest.page);
    assert.equal((await guest.page.evaluate(() => window.chat.send('hello from the query'))).ok, true);
    await waitAllDelivered(guest.page, 1);
    // (The history before it shows the earlier names as senders too.)
    assert.deepStrictEqual((await shown(guest.page)).filter((m) => m.own).map((m) => [m.from, m.text]), [[name, 'hello from the query']]);
    assert.equal(await guest.page.inputValue('form[name=nick] input[name=nickname]'), name);
    await assertOnlyText(guest.page, base, `?nickname=${JSON.stringify(name)}`);
  }
  pages.assertClean();
});

/** The longest prefix of whole code points that fits in a close reason (123 bytes). */
function asCloseReason(text) {
  let reason = '';
  for (const c of text) {
    if (Buffer.byteLength(reason + c) > 123) break;
    reason += c;
  }
  return reason;
}

test('every payload, as a close reason, shows as text in #problem', async (t) => {
  const hostile = await startHostileServer();
  t.after(() => hostile.close());
  const site = await chatServer(t); // serves the page
  const reasons = [...new Set(payloads.map(({ text }) => asCloseReason(text)))];
  const pages = pagesFor(t, browser);
  // A 4000 close is for good, and a page per reason would cost a few hundred
  // ms each. So: the page's own client takes the first reason; for each of
  // the others the page gets a new client from the same module, bound to the
  // same markup by the product's own bindChatView (what page.js does), the
  // previous binding undone first. Each client says which case it is by its URL.
  const { page } = await pages.open(site.url, { server: `${hostile.url}?case=0` });
  for (const [i, reason] of reasons.entries()) {
    if (i > 0) {
      await page.evaluate(async (server) => {
        const { createChatClient, bindChatView } = await import('/dist/index.js');
        window.__unbind?.();
        window.__client = await createChatClient({ server });
        window.__unbind = bindChatView(document, window.__client);
      }, `${hostile.url}?case=${i}`);
    }
    const conn = await hostile.connectionWhere((c) => c.url === `/ws?case=${i}`);
    await page.waitForFunction(() => (window.__client ?? window.chat).state === 'open', null, { timeout: TIMEOUT });
    const base = await inspect(page);
    conn.close(4000, reason);
    await page.waitForFunction(() => (window.__client ?? window.chat).state === 'closed', null, { timeout: TIMEOUT });
    // WebKit's CloseEvent.reason ends at the first U+0000 (see close.test.js).
    const shownReason = ENGINE === 'webkit' ? reason.split('\u0000')[0] : reason;
    assert.equal(await page.textContent('#problem'), `Closed (4000: ${shownReason}).`, `reason ${i}: ${JSON.stringify(reason)}`);
    await assertOnlyText(page, base, `close reason ${i}`);
  }
  pages.assertClean();
});
