// How often the chat crosses from wasm to JS (issue 10, item 1: one crossing
// per batch), counted in the page (crossing-counter.js): a newcomer's welcome
// brings the history as one frame, whose messages reach JS in one batch; every
// callback into wasm makes at most one call back for its events; and send()
// is one call into wasm whose result is its return value. A count is a
// property of the code, not a timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, useChatSite } from './chat-page.js';
import { countCrossings, total, callbacks } from './crossing-counter.js';

const HISTORY = 100;  // the server keeps 100
// Unpaced, so that the sender's history fills at once.
const site = useChatSite({ messagesPerSecond: 10_000 });

async function packagePage(counted) {
  const page = await site.browser.newPage();
  await page.goto(`${site.server.url}no-such-page`);
  if (counted) await page.evaluate(countCrossings);
  await page.evaluate(async () => {
    window.wasmchat = await import('/dist/index.js');
    await window.wasmchat.ready;
  });
  return page;
}

// Opens a client on /ws and collects what it dispatches in window.chatLog.
function openClient(page) {
  return page.evaluate(async (timeout) => {
    const server = new URL('/ws', location.href).href.replace(/^http/, 'ws');
    const chat = await window.wasmchat.createChatClient({ server });
    window.chat = chat;
    window.chatLog = [];
    for (const type of ['open', 'message', 'status', 'error', 'close', 'drain']) {
      chat.addEventListener(type, ({ detail }) => window.chatLog.push({ type, ...detail }));
    }
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('not open in time')), timeout);
      chat.addEventListener('open', () => { clearTimeout(timer); resolve(); }, { once: true });
    });
  }, TIMEOUT);
}

// Resolves once `predicate(window.chatLog)` holds, or rejects at the deadline.
function waitForLog(page, predicateSource) {
  return page.evaluate(async ({ predicateSource, timeout }) => {
    const predicate = new Function('log', `return (${predicateSource})(log);`);
    const deadline = Date.now() + timeout;
    while (!predicate(window.chatLog)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${predicateSource}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }, { predicateSource, timeout: TIMEOUT });
}

const snapshot = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.__crossings)));
const zero = (page) => page.evaluate(() => { window.__crossings.in = {}; window.__crossings.out = {}; });

test('the history burst reaches JS in one batch, a send crosses once, each callback returns once', async (t) => {
  const sender = await packagePage(false);
  const receiver = await packagePage(true);
  try {
    await openClient(sender);
    await sender.evaluate((count) => { for (let i = 0; i < count; i++) window.chat.send(`history ${i}`); }, HISTORY);
    await waitForLog(sender, `(log) => log.filter((e) => e.type === 'message' && e.own && e.state === 'delivered').length === ${HISTORY}`);

    // The newcomer: its welcome carries HISTORY messages in one frame.
    await zero(receiver);
    await openClient(receiver);
    await waitForLog(receiver, `(log) => log.filter((e) => e.type === 'message' && !e.own).length === ${HISTORY}`);
    const opening = await snapshot(receiver);
    const texts = await receiver.evaluate(() => window.chatLog.filter((e) => e.type === 'message').map((e) => e.text));
    assert.deepStrictEqual(texts, Array.from({ length: HISTORY }, (_, i) => `history ${i}`));
    t.diagnostic(`opening with ${HISTORY} messages of history: in ${JSON.stringify(opening.in)}; out ${JSON.stringify(opening.out)}`);
    // One batch per callback into wasm (the socket's open and messages, timers):
    // a call per event would be more than HISTORY.
    const batches = opening.out['sink.chatEvents'] ?? 0;
    assert.ok(batches >= 1 && batches <= callbacks(opening.in), JSON.stringify(opening));
    assert.ok(Object.keys(opening.out).every((name) => !name.startsWith('sink.') || name === 'sink.chatEvents'));

    // send(): one call into wasm, whose return value is the result and the
    // `queued` event; the calls out are the runtime's (clock, timers, the
    // socket's send), none to the JS face.
    const { result, sending } = await receiver.evaluate(() => {
      window.__crossings.in = {};
      window.__crossings.out = {};
      const sent = window.chat.send('mine');  // synchronously: no callback can come between
      return { result: sent, sending: JSON.parse(JSON.stringify(window.__crossings)) };
    });
    t.diagnostic(`send: in ${JSON.stringify(sending.in)}; out ${JSON.stringify(sending.out)}`);
    assert.equal(result.ok, true);
    assert.match(result.id, /\S/);
    assert.equal(total(sending.in), 1, JSON.stringify(sending.in));
    assert.ok(Object.keys(sending.out).every((name) => !name.startsWith('sink.')), JSON.stringify(sending.out));
    await waitForLog(receiver, `(log) => log.some((e) => e.type === 'message' && e.own && e.id === ${JSON.stringify(result.id)} && e.state === 'delivered')`);

    // Live messages: every callback into wasm (a frame, a timer) calls back
    // at most once for its events, however many it carries.
    await zero(receiver);
    await sender.evaluate((count) => { for (let i = 0; i < count; i++) window.chat.send(`live ${i}`); }, HISTORY);
    await waitForLog(receiver, `(log) => log.filter((e) => e.type === 'message' && !e.own && e.text.startsWith('live ')).length === ${HISTORY}`);
    const live = await snapshot(receiver);
    t.diagnostic(`${HISTORY} live messages: in ${JSON.stringify(live.in)}; out ${JSON.stringify(live.out)}`);
    assert.ok((live.out['sink.chatEvents'] ?? 0) <= callbacks(live.in), JSON.stringify(live));
  } finally {
    await receiver.close();
    await sender.close();
  }
});
