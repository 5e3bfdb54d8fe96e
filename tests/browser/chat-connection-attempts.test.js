// How the chat client makes its connection attempts, in each engine against
// real servers on loopback (issue 12, items 2 to 4):
//
// * offline -> online: while the browser is offline a lost connection waits
//   in `offline` without attempts, and the `online` event starts one at once.
//   Chromium: the driver's network emulation (Playwright's setOffline takes
//   the page's sockets offline; the heartbeat notices the dead socket).
//   Firefox: Puppeteer's setOfflineMode, which sets navigator.onLine and fires
//   the events but leaves loopback sockets working, so the server is
//   restarted to lose the connection. WebKit (classic WebDriver has no
//   network emulation): the test overrides navigator.onLine and dispatches
//   the window's events itself, the server is restarted likewise.
// * connect timeout: a TCP server that accepts and never answers; the
//   client reports connect_timeout within connectTimeout + 1 s, then retries.
// * URL provider: `server` as a function, called before every attempt; the
//   server sees each fresh query; a rejection and an invalid URL are failed
//   attempts (error, backoff, asked again), never a crash. End to end with
//   the server's token mode: an expired token is refused with 401 before the
//   handshake, and the next attempt's fresh token is admitted.
//
// Measured numbers are printed as diagnostics (node --test shows them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { TIMEOUT, pagesFor, waitReady, useChatSite } from './chat-page.js';
import { connectionFailedLog, ENGINE } from './browsers.js';
import { startServer } from '../../server/app.js';
import { createChatServer } from '../../server/chat-server.js';
import { mintToken, tokenAuthenticator } from '../../server/token.js';
import { staticFiles } from '../../server/static-files.js';
import { repoRoot } from './scenario-server.js';

const site = useChatSite();
const LOOPBACK_FAILURES = [connectionFailedLog(String.raw`ws://127\.0\.0\.1:\d+/ws(\?.*)?`, '.*')];

/** Records the chat client's events in the page, with performance.now() times. */
function recordEvents(page, client = 'window.chat') {
  return page.evaluate((name) => {
    const chat = name === 'window.chat' ? window.chat : window[name];
    window.__log = [];
    for (const type of ['open', 'error', 'close', 'status']) {
      chat.addEventListener(type, ({ detail }) => window.__log.push({ type, at: performance.now(), ...detail }));
    }
  }, client).then(() => page.evaluate(installPredicates));
}

const log = (page) => page.evaluate(() => window.__log);

/**
 * Resolves with the log once `predicate(log, arg)` holds; the predicate runs
 * in the page (a function: strict CSP allows no strings).
 */
function waitForLog(page, predicate, arg = null, timeout = TIMEOUT) {
  return page.waitForFunction(([source, value]) => {
    const log = window.__log;
    return window.__predicates[source](log, value) && log;
  }, [predicate.name, arg], { timeout, polling: 50 });
}

/** The page-side predicates of waitForLog, installed by recordEvents(). */
function installPredicates() {
  window.__predicates = {
    networkOffline: (log) => log.some((e) => e.type === 'status' && e.network === 'offline'),
    stateOffline: () => window.chat.state === 'offline',
    openAfterOnline: (log) => log.some((e) => e.type === 'open' && e.at > window.__atOnline?.at),
    attemptsStarted: (log, n) => log.filter((e) => e.type === 'status' && e.state === 'connecting').length >= n,
    openAfterCall: (log, n) => window.__calls.length >= n && log.some((e) => e.type === 'open' && e.at > window.__calls[n - 1]),
  };
}
const networkOffline = { name: 'networkOffline' };
const stateOffline = { name: 'stateOffline' };
const openAfterOnline = { name: 'openAfterOnline' };
const attemptsStarted = { name: 'attemptsStarted' };
const openAfterCall = { name: 'openAfterCall' };

// ---------------------------------------------------------------------------

/** How the test takes this engine offline and back (see the header). */
const NETWORK = {
  chromium: { emulated: true, socketsDie: true },
  firefox: { emulated: true, socketsDie: false },
  webkit: { emulated: false, socketsDie: false },
}[ENGINE];

async function setNetwork(page, online) {
  if (NETWORK.emulated) return page.context().setOffline(!online);
  // No emulation: what the browser would do, from script.
  await page.evaluate((up) => {
    Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => up });
    window.dispatchEvent(new Event(up ? 'online' : 'offline'));
  }, online);
}

test('offline: no attempts while offline; the online event reconnects at once', async (t) => {
  // Its own server: this test stops and restarts it.
  let server = await startServer({ port: 0 });
  t.after(() => server.close());
  const { port } = server;
  const pages = pagesFor(t, site.browser);
  // Short backoff: if attempts went on while offline, several would be made
  // while the test waits below.
  const { page } = await pages.open(server.url, {
    nickname: 'commuter', heartbeatInterval: 500, heartbeatTimeout: 500, reconnectMinDelay: 200, reconnectMaxDelay: 400,
  });
  await waitReady(page, 'commuter');
  await recordEvents(page);
  // The page's own listener on `online`, registered after the client's:
  // what the client did within the event's dispatch.
  await page.evaluate(() => {
    window.addEventListener('online', () => {
      window.__atOnline = { at: performance.now(), state: window.chat.state };
    });
  });

  await setNetwork(page, false);
  assert.equal(await page.evaluate(() => navigator.onLine), false);
  await waitForLog(page, networkOffline);
  if (!NETWORK.socketsDie) await server.close();  // the socket still works: lose it the hard way
  const lost = await waitForLog(page, stateOffline);
  const cause = lost.find((e) => e.type === 'error' || e.type === 'close');
  t.diagnostic(`${ENGINE}: connection lost offline by ${cause.type === 'error' ? cause.code : `close ${cause.code}`}`);
  const lostAt = lost.find((e) => e.type === 'status' && e.state === 'offline').at;
  const closeOffline = lost.filter((e) => e.type === 'close').at(-1);
  assert.equal(closeOffline.reconnectIn, 0, 'offline: the next attempt waits for the network');

  // Ten times the longest backoff: no attempt starts (an attempt reports `connecting`).
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 4000)));
  const whileOffline = (await log(page)).filter((e) => e.at > lostAt);
  assert.deepStrictEqual(whileOffline.filter((e) => e.type === 'status').map((e) => e.state), [],
    'no attempt while offline');
  assert.equal(await page.evaluate(() => window.chat.state), 'offline');

  if (!NETWORK.socketsDie) server = await startServer({ port });
  const onlineAt = await page.evaluate(() => performance.now());
  await setNetwork(page, true);
  const back = await waitForLog(page, openAfterOnline);
  const atOnline = await page.evaluate(() => window.__atOnline);
  assert.equal(atOnline.state, 'connecting', 'the attempt started within the online event, not after a backoff');
  const opened = back.find((e) => e.type === 'open' && e.at > atOnline.at);
  t.diagnostic(`${ENGINE}: online -> open ${Math.round(opened.at - atOnline.at)} ms ` +
    `(driver call to open ${Math.round(opened.at - onlineAt)} ms; ` +
    `${NETWORK.emulated ? 'driver network emulation' : 'events dispatched by the test'})`);
  assert.equal(back.filter((e) => e.type === 'status' && e.state === 'connecting' && e.at > lostAt).length, 1,
    'one attempt, and it succeeded');
  pages.assertClean(LOOPBACK_FAILURES);
});

// ---------------------------------------------------------------------------

/** A TCP server that accepts and never answers (a dead load balancer). Records accept times. */
async function startBlackHole(t) {
  const sockets = new Set();
  const accepted = [];
  const server = net.createServer((socket) => {
    accepted.push(Date.now());
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(resolve);
  }));
  return { port: server.address().port, accepted };
}

test('connect timeout: a server that accepts and never answers gives connect_timeout, then a retry', async (t) => {
  const hole = await startBlackHole(t);
  const CONNECT_TIMEOUT = 2000;
  const BACKOFF = 600;
  const pages = pagesFor(t, site.browser);
  const { page } = await pages.open(site.server.url, {
    server: `ws://127.0.0.1:${hole.port}/ws`, connectTimeout: CONNECT_TIMEOUT,
    reconnectMinDelay: BACKOFF, reconnectMaxDelay: BACKOFF,
  });
  await recordEvents(page);
  // Two whole attempts seen from their start: their timeouts and the retry between.
  const seen = await waitForLog(page, attemptsStarted, 3, 4 * (CONNECT_TIMEOUT + BACKOFF) + TIMEOUT);
  const starts = seen.filter((e) => e.type === 'status' && e.state === 'connecting');
  const timeouts = seen.filter((e) => e.type === 'error');
  for (const e of timeouts) assert.equal(e.code, 'connect_timeout', `error ${e.code}: ${e.message}`);
  assert.equal(await page.evaluate(() => window.chat.state === 'closed'), false);

  const delays = [];
  for (const [i, start] of starts.slice(0, 2).entries()) {
    const timeout = timeouts.find((e) => e.at > start.at);
    const close = seen.find((e) => e.type === 'close' && e.at >= timeout.at);
    const next = starts[i + 1];
    delays.push({ timeout: timeout.at - start.at, retry: next.at - close.at, reconnectIn: close.reconnectIn });
    assert.equal(close.code, 1006);
    assert.ok(timeout.at - start.at <= CONNECT_TIMEOUT + 1000,
      `connect_timeout ${Math.round(timeout.at - start.at)} ms after the attempt started (bound ${CONNECT_TIMEOUT + 1000})`);
    // The retry timer starts in the C++ close handling, a moment before the
    // close listener records `at`; on a loaded machine (two test files per
    // core) that moment has been over 20 ms. Not waiting at all would be 0.
    assert.ok(next.at - close.at >= close.reconnectIn - 100,
      `the retry waited out the backoff: ${Math.round(next.at - close.at)} ms after the close, reconnectIn ${close.reconnectIn}`);
  }
  assert.ok(hole.accepted.length >= 3, `the black hole saw ${hole.accepted.length} connections`);
  t.diagnostic(`${ENGINE}: connectTimeout ${CONNECT_TIMEOUT} ms: ${delays.map((d) =>
    `timeout after ${Math.round(d.timeout)} ms, retry ${Math.round(d.retry)} ms later (reconnectIn ${d.reconnectIn})`).join('; ')}`);
  const gaps = hole.accepted.slice(1).map((at, i) => at - hole.accepted[i]);
  t.diagnostic(`${ENGINE}: black hole accept-to-accept ${gaps.join(', ')} ms`);
  pages.assertClean(LOOPBACK_FAILURES);
});

// ---------------------------------------------------------------------------

/**
 * A real chat server on its own port that records each upgrade's `token`
 * query and HTTP status (`statuses`), and can drop every connection.
 * `respond` answers plain HTTP requests (else 404).
 */
async function startRecordingChat(t, chatOptions = {}, respond = (request, response) => response.writeHead(404).end()) {
  const chat = createChatServer(chatOptions);
  await chat.start();
  const queries = [];
  const statuses = [];
  const sockets = new Set();
  const server = http.createServer(respond);
  server.on('upgrade', (request, socket, head) => {
    queries.push(new URL(request.url, 'http://x').searchParams.get('token'));
    const at = statuses.push(null) - 1;
    for (const method of ['write', 'end']) {
      const original = socket[method].bind(socket);
      socket[method] = (chunk, ...rest) => {
        if (statuses[at] === null && chunk) statuses[at] = Number(/^HTTP\/1\.1 (\d+)/.exec(String(chunk))?.[1]);
        return original(chunk, ...rest);
      };
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    chat.handleUpgrade(request, socket, head);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await chat.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: server.address().port, queries, statuses, drop: () => { for (const socket of sockets) socket.destroy(); } };
}

test('URL provider: called before every attempt, its fresh URL used; a rejection and a bad URL are retried', async (t) => {
  const chat = await startRecordingChat(t);
  const pages = pagesFor(t, site.browser);
  const { page } = await pages.open(site.server.url, {});
  await page.evaluate(async (port) => {
    const { createChatClient } = await import('/dist/index.js');
    window.__calls = [];
    window.provided = await createChatClient({
      reconnectMinDelay: 100,
      reconnectMaxDelay: 200,
      // Call 2 rejects, call 3 answers a URL the WebSocket constructor refuses.
      server: async () => {
        const n = window.__calls.push(performance.now());
        await new Promise((resolve) => setTimeout(resolve, 10));  // a token service's round trip
        if (n === 2) throw new Error('token service down');
        if (n === 3) return 'ftp://127.0.0.1/ws';
        return new URL(`ws://127.0.0.1:${port}/ws?token=t${n}`);
      },
    });
  }, chat.port);
  await recordEvents(page, 'provided');
  await page.waitForFunction(() => window.provided.state === 'open', null, { timeout: TIMEOUT });
  chat.drop();
  const seen = await waitForLog(page, openAfterCall, 4);
  const calls = await page.evaluate(() => window.__calls.length);
  assert.equal(calls, 4, 'one call per attempt');
  assert.deepStrictEqual(chat.queries, ['t1', 't4'], 'the server saw each attempt\'s fresh token');
  // (An engine may report the dropped connection as transport_error first.)
  assert.deepStrictEqual(seen.filter((e) => e.type === 'error' && e.code !== 'transport_error').map((e) => e.code),
    ['url_provider_failed', 'invalid_url']);
  assert.match(seen.find((e) => e.code === 'url_provider_failed').message, /token service down/);
  const closes = seen.filter((e) => e.type === 'close');
  assert.ok(closes.length >= 3 && closes.every((e) => typeof e.reconnectIn === 'number'), 'each failure is retried with the backoff');
  assert.equal(await page.evaluate(() => window.provided.state), 'open');
  const times = await page.evaluate(() => window.__calls);
  t.diagnostic(`${ENGINE}: provider calls at +${times.map((at) => Math.round(at - times[0])).join(', +')} ms`);
  await page.evaluate(() => window.provided.close());
  pages.assertClean(LOOPBACK_FAILURES);
});

test('URL provider and token mode: an expired token is refused with 401, the next attempt brings a fresh one', async (t) => {
  const secret = 'connect-test-secret-0123456789abcdefghij';
  let clockOffsetMs = 0;  // the server's clock, moved forward to expire tokens
  const now = () => Date.now() + clockOffsetMs;
  let minted = 0;
  // The page, the application's token endpoint and the authenticated chat on
  // one origin (the page's CSP allows fetch() to its own origin only).
  const serve = staticFiles({ '/': `${repoRoot}/web`, '/dist/': `${repoRoot}/dist` });
  const chat = await startRecordingChat(t, { authenticate: tokenAuthenticator(secret, { now }) }, (request, response) => {
    if (new URL(request.url, 'http://x').pathname !== '/token') {
      return serve(request, response, () => response.writeHead(request.url === '/favicon.ico' ? 204 : 404).end());
    }
    minted += 1;
    const token = mintToken({ sub: 'user-ana', name: 'ana', ttlSeconds: 60 }, secret, { now: now() });
    response.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(token);
  });
  const pages = pagesFor(t, site.browser);
  // The page's own client talks to the other (open) server.
  const { page } = await pages.open(`http://127.0.0.1:${chat.port}/`, { server: `ws://127.0.0.1:${site.server.port}/ws` });
  await page.evaluate(async (port) => {
    const { createChatClient } = await import('/dist/index.js');
    // Keeps its token until an attempt with it failed (it cannot know the
    // server's clock), then fetches a fresh one.
    let token = null;
    let opens = 0;
    let opensAtLastCall = -1;
    window.__calls = [];
    window.provided = await createChatClient({
      reconnectMinDelay: 100,
      reconnectMaxDelay: 200,
      server: async () => {
        window.__calls.push(performance.now());
        if (token === null || opens === opensAtLastCall) {
          token = await (await fetch('/token')).text();
        }
        opensAtLastCall = opens;
        return `ws://127.0.0.1:${port}/ws?token=${encodeURIComponent(token)}`;
      },
    });
    window.provided.addEventListener('open', () => { opens += 1; });
  }, chat.port);
  await recordEvents(page, 'provided');
  await page.waitForFunction(() => window.provided.state === 'open' && window.provided.name === 'ana', null, { timeout: TIMEOUT })
    .catch(async (error) => {
      throw new Error(`${error.message}; statuses ${chat.statuses}; log ${JSON.stringify(await log(page))}`);
    });

  clockOffsetMs = 120_000;  // the first token is now expired (60 s + 30 s skew)
  chat.drop();
  const seen = await waitForLog(page, openAfterCall, 3);
  assert.equal(await page.evaluate(() => window.provided.name), 'ana', 'admitted as the token\'s user');
  assert.deepStrictEqual(chat.statuses, [101, 401, 101], 'the expired token is refused before the handshake');
  assert.equal(chat.queries[0], chat.queries[1], 'the second attempt reused the token, which had expired');
  assert.notEqual(chat.queries[2], chat.queries[1], 'the third came with a fresh token');
  assert.equal(minted, 2);
  const afterDrop = seen.filter((e) => e.at > seen.find((x) => x.type === 'close').at - 1);
  const refused = afterDrop.filter((e) => e.type === 'close');
  assert.ok(refused.length >= 2 && refused.every((e) => e.code === 1006 && typeof e.reconnectIn === 'number'),
    'the refusal is a failed connection (1006), retried');
  const times = await page.evaluate(() => window.__calls);
  t.diagnostic(`${ENGINE}: token provider calls at +${times.map((at) => Math.round(at - times[0])).join(', +')} ms; ` +
    `statuses ${chat.statuses.join(', ')}; errors ${seen.filter((e) => e.type === 'error').map((e) => e.code).join(', ') || 'none'}`);
  await page.evaluate(() => window.provided.close());
  pages.assertClean(LOOPBACK_FAILURES);
});
