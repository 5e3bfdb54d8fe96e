// The persistent outbox (web/outbox-store.js) on the chat page, against the
// real chat server as a child process (killed and restarted, as in
// fault-server-killed.test.js): messages queued while the server is down
// survive a reload, a closed window and a renderer killed by PID and are
// delivered exactly once;
// two tabs of one store never deliver a stored message twice; a storage
// failure is reported and the chat goes on in memory.
//
// The pages come from a server of their own (server/app.js in this process)
// and talk to the chat server with ?server=, so that a page can be loaded
// while the chat server is down. Storage is per origin and, in Chromium and
// Firefox, per browser context: the pages of one "browser profile" are the
// pages of one context here. Each test has its own page server (its own
// port, so its own origin): nothing stored by one test is seen by another,
// also in WebKit, whose windows all share one storage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { launchBrowser } from './harness.js';
import { pagesFor, loadChat, waitReady, say, shown, waitForMessage, waitForOwn, TIMEOUT } from './chat-page.js';
import { startChatServerProcess } from '../fixtures/chat-server-process.js';
import { startServer } from '../../server/app.js';
import { startTcpProxy } from '../fixtures/tcp-proxy.js';
import { connectionFailedLog, ENGINE } from './browsers.js';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

// The page's default (persist on); quick retries so that a restarted server is found soon.
const FAST = { reconnectMinDelay: 100, reconnectMaxDelay: 400 };
const PERSISTED = { ...FAST, persist: 'true' };
const SERVER_DOWN_ERRORS = [connectionFailedLog(String.raw`ws://127\.0\.0\.1:\d+/ws`)];

/** A killable chat server and a page server; `chat(params)` are the page parameters that point at the former. */
async function startSites(t) {
  const server = await startChatServerProcess();
  t.after(() => server.stop());
  const site = await startServer({ port: 0 });
  t.after(() => site.close());
  const ws = `ws://127.0.0.1:${server.port}/ws`;
  return { server, url: site.url, chat: (params) => ({ server: ws, ...params }) };
}

/** Records this page stores for the chat at `server` (read from IndexedDB itself, not from the client). */
function stored(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const request = indexedDB.open('wasmchat-outbox');
    // Never create the database from here: that is the client's job.
    request.onupgradeneeded = () => request.transaction.abort();
    request.onerror = () => resolve([]);
    request.onsuccess = () => {
      const db = request.result;
      const get = db.transaction('messages').objectStore('messages').getAll();
      get.onsuccess = () => {
        db.close();
        resolve(get.result.map(({ id, text, store }) => ({ id, text, store })));
      };
      get.onerror = () => reject(get.error);
    };
  }));
}

async function waitStored(page, count) {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const records = await stored(page);
    if (records.length === count) return records;
    if (Date.now() > deadline) assert.fail(`expected ${count} stored messages, found ${JSON.stringify(records)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How often each text shows on the page (own lines and others' lines alike). */
async function countsOf(page, texts) {
  const lines = await shown(page);
  return Object.fromEntries(texts.map((text) => [text, lines.filter((l) => l.text === text).length]));
}

const once = (texts) => Object.fromEntries(texts.map((text) => [text, 1]));

/** A marker sent after everything else: once it is shown, anything sent before it has been shown too. */
async function fence(sender, receivers, text) {
  assert.ok((await say(sender, text)).accepted);
  for (const page of receivers) await waitForMessage(page, text);
}

test('a reload with five messages queued while the server is down: each is shown exactly once, on every page', async (t) => {
  const { server, url, chat } = await startSites(t);
  const pages = pagesFor(t, browser);
  const context = await browser.newContext();
  t.after(() => context.close().catch(() => {}));
  const alice = await pages.open(url, chat({ nickname: 'alice', ...PERSISTED }), { context });
  const bob = await pages.open(url, chat({ nickname: 'bob', ...FAST }));
  await waitReady(alice.page, 'alice');
  await waitReady(bob.page, 'bob');
  assert.equal(await alice.page.evaluate(() => window.chat.persistence), 'on');

  await server.kill();
  await alice.page.waitForFunction(() => window.chat.state !== 'open', null, { timeout: TIMEOUT });
  const texts = Array.from({ length: 5 }, (_, i) => `while down ${i + 1}`);
  for (const text of texts) assert.ok((await say(alice.page, text)).accepted);
  const before = await waitStored(alice.page, 5);
  assert.deepStrictEqual(before.map((r) => r.text), texts);

  await loadChat(alice.page, url, chat({ nickname: 'alice', ...PERSISTED }));
  await waitForOwn(alice.page, texts, 'queued');  // shown as pending after the reload
  const pendingAfterReload = (await shown(alice.page)).filter((l) => l.own && l.state === 'queued').length;

  await server.restart();
  await waitForOwn(alice.page, texts, 'delivered');
  for (const text of texts) await waitForMessage(bob.page, text);
  await waitReady(bob.page, 'bob');
  const carol = await pages.open(url, chat({ nickname: 'carol' }));  // a newcomer: the history
  await waitReady(carol.page, 'carol');
  await fence(alice.page, [bob.page, carol.page], 'after the five');
  const counts = {
    alice: await countsOf(alice.page, texts), bob: await countsOf(bob.page, texts), carol: await countsOf(carol.page, texts),
  };
  t.diagnostic(`${ENGINE}: stored before reload ${before.length}, pending after reload ${pendingAfterReload}, ` +
    `shown per text alice/bob/carol ${JSON.stringify(Object.values(counts).map((c) => Object.values(c)))}`);
  assert.equal(pendingAfterReload, 5);
  assert.deepStrictEqual(counts, { alice: once(texts), bob: once(texts), carol: once(texts) });
  assert.deepStrictEqual(await waitStored(alice.page, 0), []);
  pages.assertClean(SERVER_DOWN_ERRORS);
});

test('a renderer closed without unload, with messages queued: delivered after reopening, once', async (t) => {
  const { server, url, chat } = await startSites(t);
  const pages = pagesFor(t, browser);
  const context = await browser.newContext();
  t.after(() => context.close().catch(() => {}));
  const first = await pages.open(url, chat({ nickname: 'alice', ...PERSISTED }), { context });
  const bob = await pages.open(url, chat({ nickname: 'bob', ...FAST }));
  await waitReady(first.page, 'alice');
  await waitReady(bob.page, 'bob');
  // Whether the engine ran the page's unload handlers on close: recorded in localStorage.
  await first.page.evaluate(() => {
    localStorage.removeItem('pagehide');
    addEventListener('pagehide', () => localStorage.setItem('pagehide', 'ran'));
  });

  await server.kill();
  await first.page.waitForFunction(() => window.chat.state !== 'open', null, { timeout: TIMEOUT });
  const texts = ['crash 1', 'crash 2', 'crash 3'];
  for (const text of texts) assert.ok((await say(first.page, text)).accepted);
  await waitStored(first.page, 3);
  await first.page.close();

  await server.restart();
  const second = await pages.open(url, chat({ nickname: 'alice', ...PERSISTED }), { context });
  const pagehide = await second.page.evaluate(() => localStorage.getItem('pagehide'));
  await waitForOwn(second.page, texts, 'delivered');
  await waitReady(bob.page, 'bob');
  for (const text of texts) await waitForMessage(bob.page, text);
  await fence(second.page, [bob.page], 'after the crash');
  const counts = { alice: await countsOf(second.page, texts), bob: await countsOf(bob.page, texts) };
  t.diagnostic(`${ENGINE}: pagehide on close: ${pagehide ?? 'no'}; shown per text alice/bob ` +
    `${JSON.stringify(Object.values(counts).map((c) => Object.values(c)))}`);
  assert.deepStrictEqual(counts, { alice: once(texts), bob: once(texts) });
  assert.deepStrictEqual(await waitStored(second.page, 0), []);
  pages.assertClean(SERVER_DOWN_ERRORS);
});

test('two tabs of one store: one takes the stored messages, the other leaves them alone; no duplicates', async (t) => {
  const { server, url, chat } = await startSites(t);
  const pages = pagesFor(t, browser);
  const context = await browser.newContext();
  t.after(() => context.close().catch(() => {}));
  const first = await pages.open(url, chat({ nickname: 'alice', ...PERSISTED }), { context });
  const bob = await pages.open(url, chat({ nickname: 'bob', ...FAST }));
  await waitReady(first.page, 'alice');
  await waitReady(bob.page, 'bob');

  await server.kill();
  await first.page.waitForFunction(() => window.chat.state !== 'open', null, { timeout: TIMEOUT });
  const texts = ['tabs 1', 'tabs 2', 'tabs 3', 'tabs 4'];
  for (const text of texts) assert.ok((await say(first.page, text)).accepted);
  await waitStored(first.page, 4);
  await first.page.close();

  // Two tabs open on the store at the same time, while the server is still down.
  const [one, two] = await Promise.all([
    pages.open(url, chat({ nickname: 'alice', ...PERSISTED }), { context }),
    pages.open(url, chat({ nickname: 'alice2', ...PERSISTED }), { context }),
  ]);
  const tabs = [one.page, two.page];
  const states = await Promise.all(tabs.map((p) => p.evaluate(() => window.chat.persistence)));
  assert.deepStrictEqual([...states].sort(), ['on', 'waiting'], `one tab holds the store (${states})`);
  const holder = tabs[states.indexOf('on')];
  const waiter = tabs[states.indexOf('waiting')];
  // The waiter's own message stays in its memory, never in the store the other tab restores.
  assert.ok((await say(waiter, 'from the waiting tab')).accepted);

  await server.restart();
  await waitForOwn(holder, texts, 'delivered');
  await waitForOwn(waiter, ['from the waiting tab'], 'delivered');
  await waitReady(bob.page, 'bob');
  for (const text of texts) await waitForMessage(bob.page, text);
  await fence(holder, [bob.page, waiter], 'after the tabs');
  const ownLines = async (page) => (await shown(page)).filter((l) => l.own && texts.includes(l.text)).length;
  const measured = {
    restoredByHolder: await ownLines(holder), restoredByWaiter: await ownLines(waiter), bob: await countsOf(bob.page, texts),
  };
  // The waiter sees the holder's messages as someone else's, once each.
  measured.waiter = await countsOf(waiter, texts);

  // The holder goes: the waiting tab gets the store, which is empty by now.
  await (holder === one.page ? one : two).page.close();
  await waiter.waitForFunction(() => window.chat.persistence === 'on', null, { timeout: TIMEOUT });
  t.diagnostic(`${ENGINE}: tabs ${states.join('/')}; stored messages restored by the holder ${measured.restoredByHolder}, ` +
    `by the waiting tab ${measured.restoredByWaiter}; shown per text on bob ${JSON.stringify(Object.values(measured.bob))}, ` +
    `on the waiting tab ${JSON.stringify(Object.values(measured.waiter))}`);
  assert.equal(measured.restoredByHolder, 4);
  assert.equal(measured.restoredByWaiter, 0);
  assert.deepStrictEqual(measured.bob, once(texts));
  assert.deepStrictEqual(measured.waiter, once(texts));
  assert.deepStrictEqual(await waitStored(waiter, 0), []);
  pages.assertClean(SERVER_DOWN_ERRORS);
});

test('a storage failure is reported as storage_unavailable and the chat goes on in memory', async (t) => {
  const { server, url, chat } = await startSites(t);
  const pages = pagesFor(t, browser);
  const context = await browser.newContext();
  t.after(() => context.close().catch(() => {}));
  // A newer version of the database on this origin (as after a downgrade of
  // the app): opening it at version 1 fails with the engine's VersionError.
  const setup = await pages.open(url, {}, { path: '/lesson.html', context });
  await setup.page.evaluate(() => new Promise((resolve, reject) => {
    const request = indexedDB.open('wasmchat-outbox', 7);
    request.onsuccess = () => { request.result.close(); resolve(); };
    request.onerror = () => reject(request.error);
  }));
  await setup.page.close();

  const alice = await pages.open(url, chat({ nickname: 'alice', ...PERSISTED }), { context });
  const bob = await pages.open(url, chat({ nickname: 'bob' }));
  await waitReady(alice.page, 'alice');
  await waitReady(bob.page, 'bob');
  const persistence = await alice.page.evaluate(() => window.chat.persistence);
  assert.ok((await say(alice.page, 'in memory')).accepted);
  await waitForOwn(alice.page, ['in memory'], 'delivered');
  await waitForMessage(bob.page, 'in memory');

  // The event itself, from the API (the page's listeners came after it).
  const viaApi = await alice.page.evaluate(async (server) => {
    const { createChatClient } = await import('/dist/index.js');
    const client = await createChatClient({ server, persist: { name: 'api' }, nickname: 'api' });
    // Both listeners at once: the open may come before or after the storage
    // error (it came first once in WebKit on a loaded machine).
    const opened = client.state === 'open'
      ? Promise.resolve()
      : new Promise((resolve) => client.addEventListener('open', resolve, { once: true }));
    const error = await new Promise((resolve) => {
      client.addEventListener('error', ({ detail }) => resolve(detail));
      setTimeout(() => resolve(null), 5000);
    });
    await opened;
    const sent = client.send('through the api');
    const state = await new Promise((resolve) => client.addEventListener('message', ({ detail }) => {
      if (detail.own && detail.id === sent.id && detail.state === 'delivered') resolve(detail.state);
    }));
    client.close();
    return { error, persistence: client.persistence, state };
  }, chat({}).server);
  await waitForMessage(bob.page, 'through the api');
  t.diagnostic(`${ENGINE}: page persistence ${persistence}; api error ${JSON.stringify(viaApi.error)}; ` +
    `api message ${viaApi.state}`);
  assert.equal(persistence, 'failed');
  assert.equal(viaApi.error?.code, 'storage_unavailable');
  assert.match(viaApi.error.message, /VersionError/);
  assert.equal(viaApi.persistence, 'failed');
  assert.equal(viaApi.state, 'delivered');
  pages.assertClean();
});

test('?persist=false keeps the outbox in memory: nothing is stored', async (t) => {
  const { server, url, chat } = await startSites(t);
  const pages = pagesFor(t, browser);
  const alice = await pages.open(url, chat({ nickname: 'alice', persist: 'false' }));
  await waitReady(alice.page, 'alice');
  assert.equal(await alice.page.evaluate(() => window.chat.persistence), 'off');
  assert.deepStrictEqual(await stored(alice.page), []);
  pages.assertClean();
});

// The engine's processes that render pages (not the browser, network or GPU process).
const RENDERER = { chromium: /--type=renderer/, firefox: /-contentproc.*\btab\b/, webkit: /WebKitWebProcess/ }[ENGINE];
const cmdline = (pid) => { try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '); } catch { return ''; } };
const renderers = () => browser.pids().filter((pid) => RENDERER.test(cmdline(pid)));

// WebKitWebDriver ends the whole session when a page's web process dies
// ("session deleted because of page crash or hang"): there, the test above
// (a closed window) is the one that runs.
test('a renderer killed (SIGKILL, no unload at all) with messages queued: delivered after reopening, once', {
  skip: ENGINE === 'webkit' && 'WebKitWebDriver deletes the session when a web process dies',
}, async (t) => {
  const { server, url, chat } = await startSites(t);
  const pages = pagesFor(t, browser);
  const context = await browser.newContext();
  t.after(() => context.close().catch(() => {}));
  const existing = new Set(renderers());
  const first = await pages.open(url, chat({ nickname: 'alice', ...PERSISTED }), { context });
  await waitReady(first.page, 'alice');
  const mine = renderers().filter((pid) => !existing.has(pid));

  await server.kill();
  await first.page.waitForFunction(() => window.chat.state !== 'open', null, { timeout: TIMEOUT });
  const texts = ['killed 1', 'killed 2', 'killed 3'];
  for (const text of texts) assert.ok((await say(first.page, text)).accepted);
  await waitStored(first.page, 3);
  // The page's own renderer processes, those that came with it (a pre-started one may have been reused: then all).
  const victims = mine.length > 0 ? mine : renderers();
  for (const pid of victims) process.kill(pid, 'SIGKILL');
  await first.page.close().catch(() => {});

  await server.restart();
  const second = await pages.open(url, chat({ nickname: 'alice', ...PERSISTED }), { context });
  await waitForOwn(second.page, texts, 'delivered');
  const bob = await pages.open(url, chat({ nickname: 'bob' }));  // after the fact: the history
  await waitReady(bob.page, 'bob');
  await fence(second.page, [bob.page], 'after the kill');
  const counts = { alice: await countsOf(second.page, texts), bob: await countsOf(bob.page, texts) };
  t.diagnostic(`${ENGINE}: killed ${victims.length} renderer process(es) (${mine.length} new with the page); ` +
    `shown per text alice/bob ${JSON.stringify(Object.values(counts).map((c) => Object.values(c)))}`);
  assert.deepStrictEqual(counts, { alice: once(texts), bob: once(texts) });
  assert.deepStrictEqual(await waitStored(second.page, 0), []);
});

test('sent but unacknowledged when the page went away: the stored ids make the second delivery a no-op', async (t) => {
  const { server, url, chat } = await startSites(t);
  const proxy = await startTcpProxy({ targetPort: server.port });
  t.after(() => proxy.close());
  const viaProxy = (params) => ({ ...chat(params), server: `ws://127.0.0.1:${proxy.port}/ws` });
  const pages = pagesFor(t, browser);
  const context = await browser.newContext();
  t.after(() => context.close().catch(() => {}));
  const alice = await pages.open(url, viaProxy({ nickname: 'alice', ...PERSISTED }), { context });
  const bob = await pages.open(url, chat({ nickname: 'bob' }));
  await waitReady(alice.page, 'alice');
  await waitReady(bob.page, 'bob');
  await bob.page.waitForFunction(() => window.chat.online === 2, null, { timeout: TIMEOUT });

  // The server gets and publishes them; its acks never reach the page.
  proxy.pauseReplies();
  const texts = ['unacked 1', 'unacked 2'];
  for (const text of texts) assert.ok((await say(alice.page, text)).accepted);
  for (const text of texts) await waitForMessage(bob.page, text);
  await waitForOwn(alice.page, texts, 'sent');
  await waitStored(alice.page, 2);

  // The page goes (its connection with it), then comes back on the same store.
  // Replies flow again once it is gone (Firefox waits for the server's close
  // frame before it ends the TCP connection): the acks meet a closed socket.
  await alice.page.goto(new URL('/lesson.html', url).href);
  proxy.resumeReplies();
  await bob.page.waitForFunction(() => window.chat.online === 1, null, { timeout: TIMEOUT });
  await loadChat(alice.page, url, viaProxy({ nickname: 'alice', ...PERSISTED }));
  await waitForOwn(alice.page, texts, 'delivered');
  await fence(alice.page, [bob.page], 'after the unacked');
  const counts = { alice: await countsOf(alice.page, texts), bob: await countsOf(bob.page, texts) };
  t.diagnostic(`${ENGINE}: shown per text alice/bob ${JSON.stringify(Object.values(counts).map((c) => Object.values(c)))}`);
  assert.deepStrictEqual(counts, { alice: once(texts), bob: once(texts) });
  assert.deepStrictEqual(await waitStored(alice.page, 0), []);
  pages.assertClean();
});
