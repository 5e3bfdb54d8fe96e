// The lesson page (web/lesson.html): a WasmWebSocket to /hello logs the
// lesson's events as they happen. With ?closeAfterMs=300 the server greets,
// then closes with 1000 "bye" after 300 ms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, pagesFor, useChatSite } from './chat-page.js';

const site = useChatSite();

test('the lesson page logs open, the greeting and a clean close, and ends CLOSED', async (t) => {
  const pages = pagesFor(t, site.browser);
  const { page, problems: { consoleErrors, pageErrors } } = await pages.open(site.server.url, { closeAfterMs: 300 },
    { path: '/lesson.html' });
  await page.waitForFunction(() => [...document.querySelectorAll('#log li')].some((li) => li.textContent.startsWith('[close]')),
    null, { timeout: TIMEOUT });
  await page.waitForFunction(() => document.getElementById('ready-state').textContent === 'CLOSED', null, { timeout: TIMEOUT });

  const log = await page.evaluate(() => [...document.querySelectorAll('#log li')].map((li) => li.textContent));
  assert.deepStrictEqual(log, [
    '[open] Connection established, send -> server',
    '[message] Data received: Hello from server! <- server',
    '[close] Connection closed cleanly, code=1000 reason=bye',
  ]);
  assert.match(log.at(-1), /^\[close\] .*code=1000/);
  assert.equal(await page.textContent('#buffered-amount'), '0');
  assert.deepStrictEqual({ consoleErrors, pageErrors }, { consoleErrors: [], pageErrors: [] });
});
