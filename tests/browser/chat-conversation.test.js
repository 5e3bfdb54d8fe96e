// The chat page end to end, as people use it: two pages talk through the
// form (type + submit) via the real server, each sees the other's messages
// under the sender's nickname, own messages go queued -> sent -> delivered,
// and a newcomer gets the conversation so far from the welcome's history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, pagesFor, statusOf, waitReady, say, shown, waitForMessage, waitAllDelivered, useChatSite } from './chat-page.js';

const site = useChatSite();

test('two pages chat both ways through the form, under their nicknames', async (t) => {
  const pages = pagesFor(t, site.browser);
  const alice = await pages.open(site.server.url, { nickname: 'alice' });
  const bob = await pages.open(site.server.url, { nickname: 'bob' });
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
  const pages = pagesFor(t, site.browser);
  const carol = await pages.open(site.server.url, { nickname: 'carol' });
  const dave = await pages.open(site.server.url, { nickname: 'dave' });
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

  const erin = await pages.open(site.server.url, { nickname: 'erin' });
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
