// A hostile wasmchat.v1 server (tests/fixtures/hostile-server.js) welcomes
// the page, then sends garbage. docs/protocol.md: invalid JSON, a non-object,
// a missing or mistyped field and an unknown type are each one `error` event
// with code `bad_envelope`, and the client keeps running; binary frames are a
// protocol error in v1 (bad_envelope too); a frame above maxIncomingBytes makes
// the client close (4009 on the wire, 1009 locally) and reconnect; a frame the
// browser itself refuses (a text frame of invalid UTF-8, a close frame with an
// illegal code) fails the connection (1006) and the client reconnects. After
// every case a valid message from the server still shows, the page's own
// message is still delivered, and the page logged nothing unexpected.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './harness.js';
import { ENGINE } from './browsers.js';
import { TIMEOUT, pagesFor, waitReady, say, shown, waitForMessage, waitForOwn } from './chat-page.js';
import { startServer } from '../../server/app.js';
import { startHostileServer, rawFrame, closePayload } from '../fixtures/hostile-server.js';

let browser;
let site; // serves the page and dist/; the chat itself is the hostile server
before(async () => {
  site = await startServer({ port: 0 });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await site?.close();
});

const MESSAGE = { type: 'message', seq: 1000, id: 'm-1', from: 'mallory', text: 'hi', time: 1700000000000 };
const json = (value) => JSON.stringify(value);
const withField = (fields) => json({ ...MESSAGE, ...fields });

/** A page on a fresh hostile server, ready in v1 mode, recording its client's events. */
async function victim(t, params = {}) {
  const hostile = await startHostileServer();
  t.after(() => hostile.close());
  const pages = pagesFor(t, browser);
  const chat = await pages.open(site.url, { server: hostile.url, nickname: 'victim', reconnectMinDelay: 100, reconnectMaxDelay: 300, ...params });
  await waitReady(chat.page, 'victim');
  await chat.page.evaluate(() => {
    window.__log = [];
    for (const type of ['open', 'error', 'close']) {
      window.chat.addEventListener(type, ({ detail }) => window.__log.push({ type, ...detail }));
    }
  });
  return { hostile, pages, page: chat.page, conn: await hostile.connection(0) };
}

const logOf = (page) => page.evaluate(() => window.__log);

/** Waits until the page has logged `n` events. */
function waitForLog(page, n) {
  return page.waitForFunction((count) => window.__log.length >= count, n, { timeout: TIMEOUT });
}

/**
 * Sends each frame on `conn`; each must be exactly one bad_envelope error,
 * with the connection left open and nothing shown. After each frame a
 * `presence` envelope with a fresh count follows: once the page shows that
 * count, the frame before it has been handled (frames are handled in order).
 */
async function expectBadEnvelopes(page, conn, frames) {
  const before = (await shown(page)).length;
  const outcomes = [];
  for (const [i, frame] of frames.entries()) {
    const label = typeof frame === 'string' ? JSON.stringify(frame.length > 80 ? `${frame.slice(0, 80)}...` : frame) : `binary ${frame.length} bytes`;
    const logged = (await logOf(page)).length;
    if (typeof frame === 'string') conn.send(frame);
    else conn.sendBinary(frame);
    conn.sendEnvelope({ type: 'presence', online: 1000 + i });
    await page.waitForFunction((n) => window.chat.online === n, 1000 + i, { timeout: TIMEOUT });
    const events = (await logOf(page)).slice(logged);
    outcomes.push({ frame: `${i}: ${label}`, events: events.map((e) => `${e.type} ${e.code}${typeof e.message === 'string' ? '' : ' (no message)'}`) });
  }
  // All frames at once, so that a failure lists every frame that was not refused.
  assert.deepStrictEqual(outcomes, outcomes.map(({ frame }) => ({ frame, events: ['error bad_envelope'] })));
  const marker = conn.sendMessage('marker after the garbage');
  await waitForMessage(page, marker.text, 'mallory');
  assert.equal((await logOf(page)).length, frames.length, 'one event per frame, nothing more');
  assert.equal(await page.evaluate(() => window.chat.state), 'open', 'the connection stayed open');
  assert.equal((await shown(page)).length, before + 1, 'no garbage was shown as a message');
  assert.match(await page.textContent('#problem'), /^bad_envelope: /, 'the page says what went wrong');
}

/** The chat still works: the server's messages show, the page's own are delivered. */
async function assertStillWorks(hostile, page, label) {
  const conn = hostile.connections.at(-1);
  const envelope = conn.sendMessage(`still fine after ${label}`);
  await waitForMessage(page, envelope.text, 'mallory');
  const text = `reply after ${label}`;
  assert.equal((await say(page, text)).accepted, true, 'the form still works');
  await waitForOwn(page, [text], 'delivered');
  await conn.waitForFrame((f) => f.json?.type === 'say' && f.json.text === text);
  const own = (await shown(page)).filter((m) => m.text === text);
  assert.equal(own.length, 1, 'shown once');
}

test('invalid JSON: one bad_envelope each, the client keeps running', async (t) => {
  const { hostile, pages, page, conn } = await victim(t);
  await expectBadEnvelopes(page, conn, [
    '{',
    'not json',
    '',
    ' ',
    '{"type":"message",',
    '{"type":"pong","nonce":1}}',
    "{'type':'pong','nonce':1}",
    '{"type":"pong","nonce":1,}',
    '{"type":"pong","nonce":01}',
    '{"type":"pong","nonce":NaN}',
    '{"type":"pong" "nonce":1}',
    '\u0000',
    '/* comment */ {"type":"pong","nonce":1}',
  ]);
  await assertStillWorks(hostile, page, 'invalid JSON');
  pages.assertClean();
});

test('valid JSON of the wrong shape: one bad_envelope each', async (t) => {
  const { hostile, pages, page, conn } = await victim(t);
  const { seq, ...noSeq } = MESSAGE;
  await expectBadEnvelopes(page, conn, [
    // not an object
    '[]', json([MESSAGE]), '"message"', '42', 'null', 'true', '-0',
    // no usable type
    '{}', json({ type: 7 }), json({ type: null }), json({ type: ['message'] }), json({ ...MESSAGE, type: { name: 'message' } }),
    // message: each field missing or mistyped
    json(noSeq), withField({ seq: '1' }), withField({ seq: 0 }), withField({ seq: -1 }), withField({ seq: 1.5 }),
    '{"type":"message","seq":1e400,"id":"m","from":"m","text":"hi","time":1}',
    withField({ id: 'has space' }), withField({ id: 'x'.repeat(65) }), withField({ id: '' }), withField({ id: 7 }),
    withField({ from: '' }), withField({ from: 'x'.repeat(25) }), withField({ from: 'bell\u0007' }), withField({ from: null }),
    withField({ text: 42 }), withField({ text: ['hi'] }),
    '{"type":"message","seq":1000,"id":"m-1","from":"mallory","text":"\\ud800","time":1}',
    withField({ time: '1700000000000' }), withField({ time: -1 }),
    // the other types
    json({ type: 'ack', id: 'm-1' }), json({ type: 'ack', id: 'bad id', seq: 1 }), json({ type: 'ack', id: 'm-1', seq: -3 }),
    json({ type: 'presence' }), json({ type: 'presence', online: -1 }), json({ type: 'presence', online: '3' }),
    json({ type: 'name', name: '' }), json({ type: 'name', name: 'n'.repeat(25) }), json({ type: 'name' }),
    json({ type: 'pong', nonce: '1' }), json({ type: 'pong' }),
    json({ type: 'error', code: 5, message: 'x' }), json({ type: 'error', code: 'x' }), json({ type: 'error', code: 'x', message: 'y', id: 'bad id' }),
    json({ type: 'welcome' }), json({ type: 'welcome', session: '', name: 'x', online: 1, history: [], limits: {} }),
  ]);
  await assertStillWorks(hostile, page, 'wrong shapes');
  pages.assertClean();
});

test('unknown types: one bad_envelope each', async (t) => {
  const { hostile, pages, page, conn } = await victim(t);
  await expectBadEnvelopes(page, conn, [
    json({ type: 'launch_missiles' }),
    json({ type: '' }),
    json({ ...MESSAGE, type: 'MESSAGE' }),
    json({ type: 'say', id: 'x1', text: 'a client envelope' }),
    json({ type: 'ping', nonce: 1 }),
    json({ type: '__proto__' }),
    json({ type: 'constructor' }),
    json({ type: 'toString' }),
    json({ type: 'message ' }),
    json({ type: 'x'.repeat(10_000) }),
  ]);
  await assertStillWorks(hostile, page, 'unknown types');
  pages.assertClean();
});

// Product bugs found by the cases above, kept apart so the rest stays strict.

test('a NUL byte does not end an envelope: JSON followed by NUL and garbage is invalid', async (t) => {
  const { hostile, pages, page, conn } = await victim(t);
  await expectBadEnvelopes(page, conn, [
    '{"type":"pong","nonce":1}\u0000',
    `${withField({ seq: hostile.nextSeq(), text: 'shown although the frame is not JSON' })}\u0000<script>window.__pwned=1</script>`,
  ]);
  await assertStillWorks(hostile, page, 'NUL bytes');
  pages.assertClean();
});

test('integers above 2^53-1 are refused (docs/protocol.md: int is 0..2^53-1)', async (t) => {
  const { hostile, pages, page, conn } = await victim(t);
  await expectBadEnvelopes(page, conn, [
    json({ type: 'presence', online: 2 ** 53 }),
    '{"type":"ack","id":"m-1","seq":18446744073709551615}',
    withField({ seq: hostile.nextSeq(), time: 2 ** 53 }),
    withField({ seq: 2 ** 53 }),
  ]);
  await assertStillWorks(hostile, page, 'big integers');
  pages.assertClean();
});

test('a message whose text is empty or longer than limits.maxCodePoints is refused', async (t) => {
  const { hostile, pages, page, conn } = await victim(t);
  await expectBadEnvelopes(page, conn, [
    withField({ seq: hostile.nextSeq(), text: '' }),
    withField({ seq: hostile.nextSeq(), text: 'x'.repeat(51) }),
  ]);
  await assertStillWorks(hostile, page, 'bad texts');
  pages.assertClean();
});

test('deeply nested JSON (100,000 levels): bad_envelope, no crash', async (t) => {
  const { hostile, pages, page, conn } = await victim(t);
  const depth = 100_000;
  await expectBadEnvelopes(page, conn, [
    '['.repeat(depth),
    '['.repeat(depth) + ']'.repeat(depth),
    '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
    // An unknown field is ignored, but not at any depth.
    `${withField({}).slice(0, -1)},"extra":${'['.repeat(depth)}${']'.repeat(depth)}}`,
  ]);
  await assertStillWorks(hostile, page, 'deep nesting');
  pages.assertClean();
});

test('a frame above maxIncomingBytes: the client closes with 4009 (1009 locally) and reconnects', async (t) => {
  const limit = 4096;
  const { hostile, pages, page, conn } = await victim(t, { maxIncomingBytes: limit });
  // A valid message padded (unknown fields are ignored) to exactly the limit is shown...
  const pad = (text, size) => {
    const base = withField({ seq: hostile.nextSeq(), id: `pad-${size}`, text, pad: '' });
    return `${base.slice(0, -2)}${'x'.repeat(size - Buffer.byteLength(base))}"}`;
  };
  const atLimit = pad('exactly at the limit', limit);
  assert.equal(Buffer.byteLength(atLimit), limit);
  conn.send(atLimit);
  await waitForMessage(page, 'exactly at the limit', 'mallory');
  assert.deepStrictEqual(await logOf(page), []);

  // ...one byte more closes the connection.
  const overLimit = pad('one byte over the limit', limit + 1);
  assert.equal(Buffer.byteLength(overLimit), limit + 1);
  conn.send(overLimit);
  assert.deepStrictEqual(await conn.closed, { code: 4009, reason: 'message too big' }, 'on the wire: 4009');
  await waitForLog(page, 2);
  const [error, close] = await logOf(page);
  assert.equal(error.type, 'error');
  assert.equal(error.code, 'message_too_big');
  assert.deepStrictEqual({ type: close.type, code: close.code }, { type: 'close', code: 1009 }, 'reported locally as 1009');
  assert.equal(typeof close.reconnectIn, 'number', 'and the client comes back');

  await hostile.connection(1);
  await page.waitForFunction(() => window.chat.state === 'open', null, { timeout: TIMEOUT });
  assert.equal((await logOf(page)).at(-1).type, 'open');
  assert.ok(!(await shown(page)).some((m) => m.text === 'one byte over the limit'), 'the big frame was not shown');
  await assertStillWorks(hostile, page, 'the big frame');
  pages.assertClean();
});

test('binary frames (invalid UTF-8, or a valid envelope) are a protocol error in v1', async (t) => {
  const { hostile, pages, page, conn } = await victim(t);
  await expectBadEnvelopes(page, conn, [
    Buffer.from([0xff, 0xfe, 0xfd]),
    Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80]), // overlong, surrogate, above U+10FFFF
    Buffer.from([0x7b, 0x22, 0xe2, 0x82]), // `{"` and a truncated sequence
    Buffer.from(json({ ...MESSAGE, text: 'binary but valid' })),
    Buffer.alloc(0),
  ]);
  assert.ok(!(await shown(page)).some((m) => m.text === 'binary but valid'));
  await assertStillWorks(hostile, page, 'binary frames');
  pages.assertClean();
});

// The browser fails the connection for these itself and says so in the console.
const BROWSER_FAILED = (why) => [new RegExp(`^WebSocket connection to 'ws://127\\.0\\.0\\.1:\\d+/ws' failed: ${why}`)];

async function expectFailedAndBack(t, sendBadFrame) {
  const { hostile, pages, page, conn } = await victim(t);
  sendBadFrame(conn);
  await hostile.connection(1);
  await page.waitForFunction(() => window.__log.some((e) => e.type === 'open'), null, { timeout: TIMEOUT });
  const log = await logOf(page);
  const close = log.find((e) => e.type === 'close');
  assert.ok(close, `a close event (${JSON.stringify(log)})`);
  assert.deepStrictEqual({ code: close.code, wasClean: close.wasClean }, { code: 1006, wasClean: false }, 'the browser failed the connection');
  assert.equal(typeof close.reconnectIn, 'number', 'the client comes back');
  assert.deepStrictEqual(log.filter((e) => e.type === 'error').map((e) => e.code), ['transport_error']);
  await assertStillWorks(hostile, page, 'the failed connection');
  return { pages, log };
}

test('a text frame of invalid UTF-8: the browser fails the connection, the client reconnects', async (t) => {
  const { pages } = await expectFailedAndBack(t, (conn) => conn.sendRaw(rawFrame(0x1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))));
  pages.assertClean(BROWSER_FAILED('Could not decode a text frame as UTF-8'));
});

// Firefox does not fail the connection for these: it reports 1005 and 1006
// as clean closes with that code, and answers 999, 2999 and 5000 with its own
// close frame and waits for the server to end the TCP connection (the hostile
// server never does). The premise of these tests is Chromium's and WebKit's.
const ILLEGAL_CLOSE_ACCEPTED = ENGINE === 'firefox' && 'Firefox does not fail the connection on an illegal close code';

for (const code of [1005, 999, 1006, 2999, 5000]) {
  test(`a close frame with the illegal code ${code}: the browser fails the connection, the client reconnects`, { skip: ILLEGAL_CLOSE_ACCEPTED }, async (t) => {
    const { pages } = await expectFailedAndBack(t, (conn) => conn.sendRaw(rawFrame(0x8, closePayload(code, 'illegal'))));
    // "a reserved status code" (1005, 1006), or, for the others, Chromium
    // answering with its own close and then getting the server's echo.
    pages.assertClean(BROWSER_FAILED('(Received a broken close frame containing a reserved status code|Close received after close)'));
  });
}
