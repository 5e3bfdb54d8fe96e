// Writes docs/screenshot.png: the chat page (900x600) after a short
// conversation between two people. Text is ASCII plus symbols DejaVu Sans
// covers: the test machine has no CJK or colour emoji font.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TIMEOUT, pagesFor, waitReady, say, waitForMessage, waitAllDelivered, useChatSite } from './chat-page.js';
import { ENGINE } from './browsers.js';

// The README shows Chromium's picture; the other engines take theirs (same
// checks) into a temporary file, so that a run in each engine does not rewrite it.
const SCREENSHOT = ENGINE === 'chromium' ? fileURLToPath(new URL('../../docs/screenshot.png', import.meta.url))
  : path.join(os.tmpdir(), `wasmchat-screenshot-${ENGINE}.png`);

const site = useChatSite();

test('screenshot of a short conversation (docs/screenshot.png)', async (t) => {
  const pages = pagesFor(t, site.browser);
  const alice = await pages.open(site.server.url, { nickname: 'alice' });
  const bob = await pages.open(site.server.url, { nickname: 'bob' });
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

  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await alice.page.screenshot({ path: SCREENSHOT, fullPage: false });
  const png = fs.readFileSync(SCREENSHOT);
  assert.deepStrictEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG file');
  // IHDR: width and height, big-endian, at bytes 16..23.
  assert.deepStrictEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [900, 600]);
  pages.assertClean();
});
