// What a message looks like on the page: markup is shown as text, never
// parsed; emoji and CJK text at exactly the length limit (50 code points by
// default, not UTF-16 units or bytes) arrive intact; one more is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './harness.js';
import { WebSocket } from 'ws';
import { pagesFor, statusOf, waitReady, say, shown, waitForMessage, waitAllDelivered, TIMEOUT } from './chat-page.js';
import { startServer } from '../../server/app.js';

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

// web/chat-view.js builds at most 100 lines per animation frame, newest
// first, and the older ones of the newest maxMessages in the frames after.
// A `batch` frame from the server (about 150 messages: maxBatchBytes) is
// dispatched in one task, so one frame sees more arrive than it builds.
test('a burst: at most 100 lines built per frame, and then the newest maxMessages in order, each once', async (t) => {
  const server = await startServer({ port: 0, messagesPerSecond: 1000 });
  t.after(() => server.close());
  const pages = pagesFor(t, browser);
  const { page } = await pages.open(server.url, { nickname: 'reader', maxMessages: 200 });
  await waitReady(page, 'reader');
  await page.evaluate(() => {
    window.__burst = { mostAdded: 0, mostPerTask: 0 };
    let added = 0;
    new MutationObserver((records) => {
      for (const r of records) for (const n of r.addedNodes) if (n.nodeType === 1) added++;
      window.__burst.mostAdded = Math.max(window.__burst.mostAdded, added);
      added = 0;
    }).observe(document.getElementById('messages'), { childList: true });
    let inTask = 0;
    window.chat.addEventListener('message', () => {
      if (inTask++ === 0) setTimeout(() => { window.__burst.mostPerTask = Math.max(window.__burst.mostPerTask, inTask); inTask = 0; });
    });
  });
  const injector = new WebSocket(server.url.replace(/^http/, 'ws') + 'ws', 'wasmchat.v1');
  t.after(() => injector.close());
  await new Promise((resolve, reject) => { injector.once('message', resolve); injector.once('error', reject); });
  const texts = Array.from({ length: 250 }, (_, i) => `b${String(i).padStart(3, '0')}`);
  injector.send(JSON.stringify({ type: 'batch', items: texts.map((text) => ({ type: 'say', id: text, text })) }));
  const newest = texts.slice(-200);
  await page.waitForFunction((expected) => {
    const lines = [...document.querySelectorAll('#messages > div.message')].map((d) => d.querySelector('.text').textContent);
    return lines.length === expected.length && lines.every((text, i) => text === expected[expected.length - 1 - i]);
  }, newest, { timeout: TIMEOUT });
  const burst = await page.evaluate(() => window.__burst);
  assert.ok(burst.mostPerTask > 100, `a task dispatched ${burst.mostPerTask} messages (the test needs more than 100)`);
  assert.ok(burst.mostAdded <= 100, `a frame added ${burst.mostAdded} lines`);
  assert.deepStrictEqual((await shown(page)).map((m) => m.text), newest);
  pages.assertClean();
});
