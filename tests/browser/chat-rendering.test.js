// What a message looks like on the page: markup is shown as text, never
// parsed; emoji and CJK text at exactly the length limit (50 code points by
// default, not UTF-16 units or bytes) arrive intact; one more is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './harness.js';
import { pagesFor, statusOf, waitReady, say, shown, waitForMessage, waitAllDelivered } from './chat-page.js';
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
