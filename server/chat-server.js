// The chat behind /ws: the server side of docs/protocol.md.
//
// One broadcast stream (seq 1, 2, ...) per epoch ("session"), kept by a chat
// store (chat-store.js: in this process by default, or redis-store.js, shared
// by every instance on the same Redis), shown to two kinds of clients on the
// same socket endpoint:
//   * wasmchat.v1 clients (offered the subprotocol): JSON envelopes;
//   * plain clients (offered no subprotocol, e.g. the classic lesson client):
//     every frame they send is a message, every message reaches them as a
//     text frame "<from>: <text>".
//
//   const chat = createChatServer({ historySize: 50 });
//   httpServer.on('upgrade', (req, socket, head) => chat.handleUpgrade(req, socket, head));
//
// With `authenticate` (docs/protocol.md, "Authentication") every upgrade is
// first shown to the hook, which names the user or refuses (401 before the
// handshake); the user's name is then theirs: no other user's `nick` takes it.
import { randomBytes } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';
import { createMemoryStore } from './chat-store.js';
import { describeUpgradeRequest } from './auth-request.js';
import { requestUrl } from './request-url.js';

export const PROTOCOL = 'wasmchat.v1';

const DEFAULTS = Object.freeze({
  historySize: 100, // messages replayed in every welcome
  maxCodePoints: 50, // longest accepted text, in Unicode code points
  maxFrameBytes: 65536, // larger frames close the connection with 1009
  messagesPerSecond: 20, // token bucket per connection, burst = this many
  allowedOrigins: null, // array of origins; null allows every Origin
  now: () => Date.now(), // clock for message times and the rate limit
  idMemory: 10000, // message ids remembered for duplicate detection
  closeTimeoutMs: 2000, // close(): how long clients get to answer the close frame
  maxBufferedBytes: 1024 * 1024, // a client with more unsent data is closed with 1013
  // Whether the welcome offers `coalesce` (batch frames to clients that ask,
  // see deliverMessage()); false: one frame per envelope to every client.
  coalesce: true,
  // A coalesced batch is flushed once its messages reach this many bytes
  // (it is one frame: a batch can pass it by one message). The client decodes
  // and dispatches a whole frame in one task, and a page renders only
  // between tasks: 16 KiB (about 150 chat messages) keeps that task at a few
  // ms. With 64 KiB batches a page in a 50,000-message burst had frames over
  // 50 ms (the render benchmark, docs/benchmarks.md); the frame count costs
  // nothing measurable. Capped by maxFrameBytes.
  maxBatchBytes: 16384,
  store: null, // a ChatStore (chat-store.js); null: in memory, this process only
  // (request: AuthRequest) => Identity | null | Promise<Identity | null>, see
  // docs/protocol.md "Authentication"; null: everyone is a guest.
  authenticate: null,
  authenticateTimeoutMs: 10_000, // a hook that has not answered by then: 503
  // After a `say` refused as rate_limited or unavailable, the connection's
  // later `say`s wait for that one to come again (see refusalGap()); a client
  // that has not re-sent it by then gave it up, and the wait ends.
  resendWaitMs: 10_000,
});

const MAX_USER_ID_LENGTH = 256;

// docs/protocol.md, "Types used below".
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_NAME_CODE_POINTS = 24;
const RESERVED_NAMES = ['system', 'server', 'admin', 'wasmchat'];
const MAX_BATCH = 256; // say envelopes in one batch
// Announced in every welcome: `batch` (the client may send batches) and,
// unless the coalesce option is off, `coalesce` (the server sends batches to a
// client that asks for them).
const FEATURES = Object.freeze(['batch', 'coalesce']);
const FEATURES_WITHOUT_COALESCE = Object.freeze(['batch']);

/**
 * Who an authenticated connection is (the `authenticate` hook's answer).
 * @typedef {{ userId: string, name: string }} Identity userId: stable, unique
 *   per user (1-256 characters); name: the display name (a valid nickname)
 * @typedef {import('./auth-request.js').AuthRequest} AuthRequest
 */

/**
 * @param {Partial<typeof DEFAULTS>} [options]
 * @returns {{ handleUpgrade(request: import('node:http').IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void,
 *   clientCount(): number, close(): Promise<void> }}
 */
export function createChatServer(options = {}) {
  const config = resolveOptions(options);
  const { now } = config;
  const allowedOrigins = config.allowedOrigins && new Set(config.allowedOrigins.map(normalizeOrigin));

  // The store's epoch is the session: it changes when seq restarts.
  const store = config.store ?? createMemoryStore({ idMemory: config.idMemory });
  if (config.authenticate && (typeof store.claimName !== 'function' || typeof store.nameOwner !== 'function')) {
    throw new TypeError('createChatServer: authenticate needs a store with claimName() and nameOwner()');
  }
  const features = config.coalesce ? FEATURES : FEATURES_WITHOUT_COALESCE;
  const instance = randomBytes(6).toString('base64url'); // plain-mode ids, unique per instance
  const limits = {
    maxCodePoints: config.maxCodePoints,
    maxFrameBytes: config.maxFrameBytes,
    messagesPerSecond: config.messagesPerSecond,
  };

  /** @type {Map<WebSocket, { mode: 'v1' | 'plain', name: string, identity: Identity | null, nameChange: Promise<unknown> | null, tokens: number, refilledAt: number, replies: Promise<void>, pendingReplies: number }>} */
  const clients = new Map();
  let history = []; // the last historySize `message` envelopes of the epoch, oldest first
  let deliveredSeq = 0; // the last seq sent to this instance's clients
  // Acks waiting for their message to be sent here first (see say()), in the
  // order the store answered, which is seq order.
  let ackWaiters = [];
  let guestCount = 0;
  let plainCount = 0;
  let closing = null;

  const wss = new WebSocketServer({
    noServer: true,
    // ws closes the connection with 1009 itself when a frame (or a
    // fragmented message) is larger than this.
    maxPayload: config.maxFrameBytes,
    perMessageDeflate: false,
    // ws calls this only when the client offered at least one subprotocol.
    // A client that offered only other protocols gets none selected (RFC 6455
    // 4.2.2) rather than ws's default of echoing the first: the server does
    // not speak them. Browsers and ws then fail the handshake on their side.
    handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
  });

  // Every stored message, from every instance, in seq order.
  store.onMessage((message) => {
    deliveredSeq = message.seq;
    history.push(message);
    if (history.length > config.historySize) history.shift();
    const envelope = JSON.stringify(message);
    const line = `${message.from}: ${message.text}`;
    for (const [ws, client] of clients) {
      if (client.mode === 'v1') deliverMessage(ws, client, envelope, message.seq);
      else send(ws, line);
    }
    while (ackWaiters.length > 0 && ackWaiters[0].seq <= deliveredSeq) ackWaiters.shift().resolve();
  });
  // seq restarted (the storage lost everything): the clients' seq numbers mean
  // nothing any more; reconnecting gets them the new session in a welcome.
  store.onEpoch(() => {
    history = [];
    deliveredSeq = 0;
    for (const waiter of ackWaiters.splice(0)) waiter.resolve(); // their clients are closed just below
    for (const ws of clients.keys()) ws.close(1012, 'chat storage restarted');
  });
  // Presence goes out once per turn of the event loop with the latest count:
  // a crowd connecting at once (a deploy, a reconnecting cluster) costs one
  // broadcast per turn rather than one per connection to every connection.
  let presencePending = false;
  store.onPresence(() => {
    if (presencePending) return;
    presencePending = true;
    setImmediate(() => {
      presencePending = false;
      if (!closing) broadcastEnvelope({ type: 'presence', online: store.online() });
    });
  });

  function handleUpgrade(request, socket, head) {
    if (closing) return refuseUpgrade(socket, 503, 'Service Unavailable');
    // No epoch yet (the store never reached its storage): nothing to welcome with.
    if (store.epoch() === null) return refuseUpgrade(socket, 503, 'Service Unavailable');
    if (allowedOrigins && !allowedOrigins.has(normalizeOrigin(request.headers.origin ?? ''))) {
      // Before the handshake, so a page from a foreign origin never gets an
      // open socket. A request without Origin (not a browser) is refused too:
      // "not listed" is all an allowlist can know about it.
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    if (!config.authenticate) return upgrade(request, socket, head, null);
    authenticateUpgrade(request, socket, head).catch((error) => {
      console.error('wasmchat chat server: upgrade failed:', error);
      socket.destroy();
    });
  }

  /**
   * Asks the hook who this is, then upgrades or refuses before the
   * handshake: no identity 401, the hook threw or rejected 500 (a bug or a
   * failed dependency is not the user's fault; logged), no answer within
   * authenticateTimeoutMs or the store could not record the name 503.
   */
  async function authenticateUpgrade(request, socket, head) {
    // The socket waits for the hook without the listener ws adds later.
    socket.on('error', () => {});
    const url = requestUrl(request);
    if (!url) return refuseUpgrade(socket, 400, 'Bad Request');
    let answer;
    let timer;
    try {
      answer = await Promise.race([
        // then(): a hook that throws synchronously is a rejection too.
        Promise.resolve().then(() => config.authenticate(describeUpgradeRequest(request, url))),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new AuthenticateTimeout()), config.authenticateTimeoutMs);
        }),
      ]);
    } catch (error) {
      if (error instanceof AuthenticateTimeout) {
        console.error(`wasmchat chat server: authenticate did not answer within ${config.authenticateTimeoutMs} ms`);
        return refuseUpgrade(socket, 503, 'Service Unavailable');
      }
      console.error('wasmchat chat server: authenticate failed:', error);
      return refuseUpgrade(socket, 500, 'Internal Server Error');
    } finally {
      clearTimeout(timer);
    }
    if (answer === null || answer === undefined || answer === false) {
      return refuseUpgrade(socket, 401, 'Unauthorized', 'WWW-Authenticate: Bearer realm="wasmchat"\r\n');
    }
    const problem = identityProblem(answer);
    if (problem) {
      console.error(`wasmchat chat server: authenticate returned no valid identity: ${problem}`);
      return refuseUpgrade(socket, 500, 'Internal Server Error');
    }
    const identity = Object.freeze({ userId: answer.userId, name: answer.name });
    if (socket.destroyed) return; // the client left while the hook thought
    try {
      // Before the welcome: once anyone can see the name, it is taken.
      await store.claimName(nameKey(identity.name), identity.userId);
    } catch {
      return refuseUpgrade(socket, 503, 'Service Unavailable');
    }
    if (closing || socket.destroyed) return refuseUpgrade(socket, 503, 'Service Unavailable');
    upgrade(request, socket, head, identity);
  }

  function upgrade(request, socket, head, identity) {
    wss.handleUpgrade(request, socket, head, (ws) => guard(ws, () => onConnection(ws, identity)));
  }

  function onConnection(ws, identity) {
    // Without an 'error' listener an EventEmitter throws, and ws emits 'error'
    // for every refused frame (too big, bad UTF-8, bad opcode) before closing
    // the connection with the right code itself; nothing else to do here.
    ws.on('error', () => {});
    const client = {
      // ws sets ws.protocol to what handleProtocols returned, '' for none.
      mode: ws.protocol === PROTOCOL ? 'v1' : 'plain',
      name: identity ? identity.name : `${store.guestPrefix()}${++guestCount}`,
      identity,
      nameChange: null, // a nick being checked with the store (authenticated users); says wait for it
      tokens: config.messagesPerSecond,
      refilledAt: now(),
      gap: null, // { id, code, at }: the say refused as retryable that later ones wait for (see refusalGap())
      replies: Promise.resolve(), // the last answer queued (see reply())
      pendingReplies: 0,
      // Coalescing (see deliverMessage()), once the client announced `coalesce`.
      coalesce: false,
      wroteThisTurn: false,
      pending: null, // what waits for the end of the turn, see newPending()
    };
    clients.set(ws, client);
    ws.on('close', () => guard(null, () => {
      clients.delete(ws);
      if (!closing) store.setLocalOnline(clients.size);
    }));
    ws.on('message', (data, isBinary) => {
      // ws goes on emitting what arrives after this server closed the
      // connection (1001, 1011, 1012, 1013), until the client's Close frame.
      // None of it is handled: its answers could not reach the client, which
      // re-sends every unacknowledged message on its next connection, and a
      // message stored now would overtake those before it that were refused
      // or never handled.
      if (ws.readyState !== WebSocket.OPEN) return;
      guard(ws, () => onMessage(ws, client, data, isBinary));
    });

    if (client.mode === 'v1') {
      // "welcome: First frame of every connection."
      sendEnvelope(ws, {
        // + 1: this client, which the store hears of just below (after the
        // welcome, so that its presence broadcast does not come first).
        type: 'welcome', session: store.epoch(), name: client.name, online: store.online() + 1, history, limits, features,
      });
    }
    store.setLocalOnline(clients.size);
  }

  function onMessage(ws, client, data, isBinary) {
    if (client.mode === 'plain') return onPlainMessage(ws, client, data);

    const parsed = parseRequest(data, isBinary);
    if (parsed.value?.type === 'batch') {
      // Each message of a batch counts against the rate like a `say`.
      for (const item of parsed.value.items) {
        const refusal = refusalGap(client, item.id) ?? rateLimit(client, item.id, true);
        if (refusal) reply(ws, client, refusal);
        else say(ws, client, item);
      }
      return;
    }
    // The rate limit comes after parsing so that a refused `say` still gets
    // its `id` back, and before validation so that floods of garbage count.
    const isSay = parsed.value?.type === 'say';
    const refusal = (isSay ? refusalGap(client, parsed.id) : null) ?? rateLimit(client, parsed.id, isSay);
    if (refusal) return reply(ws, client, refusal);
    if (parsed.error) return reply(ws, client, errorEnvelope('bad_envelope', parsed.error, parsed.id));
    const request = parsed.value;
    switch (request.type) {
      case 'say': return say(ws, client, request);
      case 'nick': return nick(ws, client, request);
      case 'ping': return reply(ws, client, { type: 'pong', nonce: request.nonce });
      case 'features':
        // Nothing to answer: from now on what waits for this client may go out coalesced.
        client.coalesce = config.coalesce && request.features.includes('coalesce');
        return undefined;
      default: throw new Error(`unreachable: ${request.type}`);
    }
  }

  function say(ws, client, { id, text }) {
    const length = codePoints(text);
    if (length > config.maxCodePoints) {
      return reply(ws, client, errorEnvelope('too_long', `${length} code points, at most ${config.maxCodePoints}`, id));
    }
    // After a pending nick: a message is sent under the name asked for before it.
    const stored = client.nameChange ? client.nameChange.then(() => publish(id, client.name, text)) : publish(id, client.name, text);
    reply(ws, client, stored.then((result) => {
      // "answers a repeated id with an ack carrying the original seq, without
      // broadcasting again". Ids are only unique per client, so the same id
      // with another text is a different message that happens to collide;
      // acking it would claim a delivery that never happened.
      if (result.duplicate && result.text !== text) {
        return errorEnvelope('bad_envelope', 'this id was already used for a different message', id);
      }
      // Only once stored: an ack is a promise that the message is in the
      // chat. And only once this instance has sent it to its clients (with
      // Redis it comes back through the stream): the sender sees its message
      // before its ack, with either store.
      const ack = { type: 'ack', id, seq: result.seq };
      if (result.seq <= deliveredSeq) return ack;
      return new Promise((resolve) => ackWaiters.push({ seq: result.seq, resolve: () => resolve(ack) }));
    }, (error) => {
      openGap(client, id, 'unavailable');
      return errorEnvelope('unavailable', error.message, id);
    }));
  }

  // A sender's messages are stored in the order it sent them. A `say` refused
  // with a retryable code (rate_limited, unavailable) comes again from its
  // client, which by then has sent later ones: stored first, they would
  // overtake it. So from such a refusal on, every other `say` of the
  // connection is refused with the same code until the refused id comes
  // again, or until resendWaitMs passed (its client gave it up). A client
  // that re-sends from its oldest unacknowledged message, as ours does,
  // keeps its order and loses nothing. (An `unavailable` is known only when
  // the store answers: a later `say` already handed to the store before then
  // is not held back.)
  function refusalGap(client, id) {
    const { gap } = client;
    if (gap === null) return null;
    if (id === gap.id || now() - gap.at >= config.resendWaitMs) {
      client.gap = null;
      return null;
    }
    return errorEnvelope(gap.code, `waiting for ${gap.id} to be sent again: messages are stored in the order sent`, id);
  }

  function openGap(client, id, code) {
    if (client.gap === null && id !== undefined) client.gap = { id, code, at: now() };
  }

  /** Takes a token for one request: null, or its rate_limited refusal (a refused say opens a gap). */
  function rateLimit(client, id, isSay) {
    if (takeToken(client)) return null;
    if (isSay) openGap(client, id, 'rate_limited');
    return errorEnvelope('rate_limited', `over ${config.messagesPerSecond} messages per second`, id);
  }

  function nick(ws, client, { name }) {
    const problem = nameProblem(name);
    if (problem) return reply(ws, client, errorEnvelope('bad_name', problem));
    const { identity } = client;
    if (!identity || nameKey(name) === nameKey(identity.name)) {
      client.name = name;
      return reply(ws, client, { type: 'name', name });
    }
    // An authenticated user's name is theirs on every instance: ask the store.
    const checked = store.nameOwner(nameKey(name)).then((owner) => {
      if (owner !== null && owner !== identity.userId) return errorEnvelope('name_taken', `"${name}" is another user's name`);
      client.name = name;
      return { type: 'name', name };
    }, (error) => errorEnvelope('unavailable', error.message));
    reply(ws, client, checked);
    // Settled once the answer went out: a `say` behind the nick waits for it,
    // so that `name` reaches the client before any message under that name.
    const answered = client.replies;
    client.nameChange = answered;
    answered.then(() => {
      if (client.nameChange === answered) client.nameChange = null;
    });
  }

  /**
   * Answers a request. Answers go out in request order although an ack waits
   * for the store: an answer behind a pending ack waits for it.
   * @param {object | Promise<object>} answer the envelope, or its promise
   */
  function reply(ws, client, answer) {
    if (client.pendingReplies === 0 && !(answer instanceof Promise)) return answerWith(ws, client, answer);
    client.pendingReplies++;
    client.replies = client.replies.then(() => answer).then((envelope) => {
      client.pendingReplies--;
      answerWith(ws, client, envelope);
    });
  }

  function answerWith(ws, client, envelope) {
    if (envelope.type === 'ack') deliverAck(ws, client, envelope);
    else sendInOrder(ws, client, JSON.stringify(envelope));
  }

  // Coalescing (docs/protocol.md, `batch` from the server). For a client that
  // announced `coalesce`, a message or an ack that would queue behind data
  // still in its socket (bufferedAmount above zero), or behind a frame
  // already written to it in this turn of the event loop, waits instead, and
  // what waited goes out at the end of the turn as one `batch` frame: the
  // messages in seq order, then the last ack, which is cumulative (acks of
  // one client go out in the order of its requests, so the last covers the
  // ones before it). Every other envelope first sends what waits, so the
  // client sees everything in the order it happened.
  //
  // The ack contract, which a crash (SIGKILL) must not break: an ack for seq
  // s, alone or as a batch's cumulative ack, is handed to ws.send() only
  // after the message frames of every seq up to s were handed to ws.send()
  // for every other local client, earlier in the same synchronous run of JS
  // or in an earlier one. A sender never resends an acked message, and the
  // memory store forgets everything when the process dies, so an ack written
  // before a receiver's copy would let a kill between the two writes lose
  // that message for the receiver without a trace (it reconnects into a new
  // session whose seq says nothing about the old one). Hence: the turn-end
  // flush writes messages first and acks last (flushTurn()), and an ack or
  // any envelope that would send a waiting ack out of turn (a pong, an error)
  // first flushes what waits for everyone else (heldFor()).
  // What this buys: ws.send() on a socket with nothing queued (bufferedAmount
  // 0) reaches the kernel in that call (ws corks header and payload, the
  // uncork is one synchronous writev), and what the kernel holds it still
  // delivers after the process died (on loopback it is in the peer's receive
  // queue at once). So once an ack's write has started, each receiver's copy
  // is in its kernel socket. What it does not buy: a receiver whose socket
  // already had unsent bytes queued in this process (a slow reader, see
  // maxBufferedBytes) holds its copy in process memory, and a kill there
  // loses it for that receiver even though the sender has its ack; waiting
  // for every reader's drain before acking would let the slowest reader
  // stall every sender.
  let turnEnd = null;
  const touched = new Set(); // sockets written to or waiting in this turn

  function newPending() {
    // firstSeq: seq of messages[0]; ackSeq: the highest seq the cumulative ack covers.
    return { messages: [], bytes: 0, firstSeq: 0, ack: null, ackSeq: 0 };
  }

  function deliverMessage(ws, client, text, seq) {
    if (!client.coalesce) return send(ws, text);
    if (!client.pending && !client.wroteThisTurn && ws.bufferedAmount === 0) return sendNow(ws, client, text);
    const pending = (client.pending ??= newPending());
    if (pending.messages.length === 0) pending.firstSeq = seq;
    pending.messages.push(text);
    pending.bytes += text.length;
    touch(ws, client);
    // A full batch goes now (maxBatchBytes); its ack stays behind for the
    // turn-end flush.
    if (pending.bytes >= Math.min(config.maxBatchBytes, config.maxFrameBytes)) {
      const { ack, ackSeq } = pending;
      pending.ack = null;
      flushPending(ws, client);
      if (ack) Object.assign((client.pending = newPending()), { ack, ackSeq });
    }
    return undefined;
  }

  function deliverAck(ws, client, ack) {
    if (!client.coalesce) {
      if (heldFor(ws, ack.seq)) flushTurn([...touched]);
      return send(ws, JSON.stringify(ack));
    }
    if (!client.pending && !client.wroteThisTurn && ws.bufferedAmount === 0 && !heldFor(ws, ack.seq)) {
      return sendNow(ws, client, JSON.stringify(ack));
    }
    const pending = (client.pending ??= newPending());
    pending.ack = ack;
    pending.ackSeq = Math.max(pending.ackSeq, ack.seq); // a duplicate's ack carries an older seq
    touch(ws, client);
    return undefined;
  }

  function sendNow(ws, client, text) {
    send(ws, text);
    client.wroteThisTurn = true;
    touch(ws, client);
  }

  /** Whether a client other than `ws` still holds a message with seq <= `seq` unwritten. */
  function heldFor(ws, seq) {
    for (const other of touched) {
      if (other === ws) continue;
      const pending = clients.get(other)?.pending;
      if (pending && pending.messages.length > 0 && pending.firstSeq <= seq) return true;
    }
    return false;
  }

  function touch(ws, client) {
    touched.add(ws);
    turnEnd ??= setImmediate(() => {
      turnEnd = null;
      const sockets = [...touched];
      touched.clear();
      for (const socket of sockets) {
        const waiting = clients.get(socket);
        if (waiting) waiting.wroteThisTurn = false;
      }
      flushTurn(sockets);
    });
  }

  /**
   * Writes what waits for each of `sockets`, in the order the ack contract
   * needs: first the clients without an ack, then those with one; a client
   * whose ack covers a message still waiting for a client after it gets its
   * messages now and its ack alone once everyone's messages are written.
   */
  function flushTurn(sockets) {
    const withAck = [];
    for (const ws of sockets) {
      const client = clients.get(ws);
      if (!client?.pending) continue;
      if (client.pending.ack) withAck.push([ws, client]);
      else flushPending(ws, client);
    }
    // laterFirst[i]: the lowest seq still waiting for withAck[i..].
    const laterFirst = new Array(withAck.length + 1).fill(Infinity);
    for (let i = withAck.length - 1; i >= 0; i--) {
      const { messages, firstSeq } = withAck[i][1].pending;
      laterFirst[i] = Math.min(laterFirst[i + 1], messages.length > 0 ? firstSeq : Infinity);
    }
    const lateAcks = [];
    withAck.forEach(([ws, client], i) => {
      const { pending } = client;
      if (pending.ackSeq >= laterFirst[i + 1]) {
        lateAcks.push([ws, pending.ack]);
        pending.ack = null;
      }
      flushPending(ws, client);
    });
    for (const [ws, ack] of lateAcks) send(ws, JSON.stringify(ack));
  }

  function flushPending(ws, client) {
    const pending = client.pending;
    if (!pending) return;
    client.pending = null;
    client.wroteThisTurn = true; // what comes later in this turn waits for the next batch
    touch(ws, client);
    const { messages, ack } = pending;
    if (messages.length === 0) {
      if (ack) send(ws, JSON.stringify(ack));
      return;
    }
    if (messages.length === 1 && !ack) return send(ws, messages[0]);
    const ackPart = ack ? `,"ack":${JSON.stringify({ id: ack.id, seq: ack.seq })}` : '';
    send(ws, `{"type":"batch","messages":[${messages.join(',')}]${ackPart}}`);
  }

  /** Sends `text` after whatever waits to be coalesced for this client (and, for its ack, for everyone else). */
  function sendInOrder(ws, client, text) {
    if (client.pending?.ack && heldFor(ws, client.pending.ackSeq)) flushTurn([...touched]);
    else flushPending(ws, client);
    send(ws, text);
  }

  function onPlainMessage(ws, client, data) {
    // Plain mode relays every frame, text or binary, decoded leniently.
    const text = utf8.decode(data);
    if (!takeToken(client)) return sendPlainError(ws, 'rate_limited', `over ${config.messagesPerSecond} messages per second`);
    const length = codePoints(text);
    if (length > config.maxCodePoints) {
      return sendPlainError(ws, 'too_long', `${length} code points, at most ${config.maxCodePoints}`);
    }
    // A `message` envelope needs 1..maxCodePoints code points, so an empty
    // frame cannot enter the stream; say so rather than drop it.
    if (length === 0) return sendPlainError(ws, 'bad_envelope', 'empty messages are not relayed');
    publish(`plain-${instance}-${++plainCount}`, client.name, text)
      .catch((error) => sendPlainError(ws, 'unavailable', error.message));
  }

  /**
   * Stores `text` under the next seq; the store then hands it to every
   * instance's onMessage (above), which sends it to everyone.
   * @returns {Promise<import('./chat-store.js').PublishResult>}
   */
  function publish(id, from, text) {
    return store.publish({ id, from, text, time: now() });
  }

  /** Token bucket: refills messagesPerSecond tokens per second up to a burst of as many. */
  function takeToken(client) {
    const time = now();
    // max(0, ...): a clock stepped backwards must not drain the bucket.
    const elapsed = Math.max(0, time - client.refilledAt);
    client.tokens = Math.min(config.messagesPerSecond, client.tokens + (elapsed * config.messagesPerSecond) / 1000);
    client.refilledAt = time;
    if (client.tokens < 1) return false;
    client.tokens -= 1;
    return true;
  }

  function broadcastEnvelope(envelope) {
    const text = JSON.stringify(envelope);
    flushTurn([...touched]); // what waits goes first, in the ack contract's order
    for (const [ws, client] of clients) if (client.mode === 'v1') send(ws, text);
  }

  function sendEnvelope(ws, envelope) {
    send(ws, JSON.stringify(envelope));
  }

  function errorEnvelope(code, message, id) {
    return id === undefined ? { type: 'error', code, message } : { type: 'error', code, message, id };
  }

  function sendPlainError(ws, code, message) {
    send(ws, `[error] ${code}: ${message}`);
  }

  function send(ws, text) {
    // ws.send() throws while CONNECTING and queues into the void once
    // CLOSING; only an open socket is worth writing to.
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(text);
    // A client that does not read would make the server hold everything sent
    // to it. Past the bound it is closed with 1013 ("try again later"): it
    // reconnects and resumes from its seq through the welcome's history.
    // Nothing more is queued for it once CLOSING, so what it holds stays
    // below the bound plus one frame (ws destroys the socket after 30 s if
    // the close frame itself never gets through).
    if (ws.bufferedAmount > config.maxBufferedBytes) ws.close(1013, 'slow consumer');
  }

  /**
   * Runs a handler so that an exception in it costs one connection (closed
   * with 1011, which tells the client to reconnect), never the process.
   */
  function guard(ws, handler) {
    try {
      handler();
    } catch (error) {
      console.error('wasmchat chat server: handler failed:', error);
      try {
        ws?.close(1011, 'internal error');
      } catch {
        ws?.terminate();
      }
    }
  }

  function close() {
    closing ??= (async () => {
      await closeGracefully(clients.keys(), { code: 1001, reason: 'server shutting down', timeoutMs: config.closeTimeoutMs });
      wss.close();
      await store.close();
    })();
    return closing;
  }

  return { handleUpgrade, clientCount: () => clients.size, close, start: () => store.start() };

  /**
   * Checks one incoming v1 frame against the envelope rules.
   * @returns {{ value?: object, error?: string, id?: string }} `id` whenever
   *   the frame carried a well-formed one, so that even a refusal names it.
   */
  function parseRequest(data, isBinary) {
    if (isBinary) return { error: 'wasmchat.v1 envelopes are text frames' };
    let value;
    try {
      value = JSON.parse(data.toString('utf8')); // ws has validated the UTF-8 already
    } catch {
      return { error: 'invalid JSON' };
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: 'not a JSON object' };
    const id = typeof value.id === 'string' && ID_PATTERN.test(value.id) ? value.id : undefined;
    const fail = (error) => ({ error, id });
    if (typeof value.type !== 'string') return fail('type must be a string');
    switch (value.type) {
      case 'say': {
        const problem = sayProblem(value);
        return problem ? fail(problem) : { value, id };
      }
      case 'batch': {
        // Coalesced `say`s (docs/protocol.md): all valid, or the whole frame is refused.
        if (!Array.isArray(value.items) || value.items.length === 0 || value.items.length > MAX_BATCH) {
          return fail(`items must be an array of 1-${MAX_BATCH} say envelopes`);
        }
        for (const item of value.items) {
          const problem = item !== null && typeof item === 'object' && item.type === 'say'
            ? sayProblem(item) : 'every item must be a say envelope';
          if (problem) return fail(`items: ${problem}`);
        }
        return { value, id };
      }
      case 'nick':
        // Only the type is checked here; a string that is no valid name is
        // `bad_name`, which the client can show next to the name field.
        if (typeof value.name !== 'string') return fail('name must be a string');
        return { value, id };
      case 'ping':
        if (!isInt(value.nonce)) return fail('nonce must be an integer in 0..2^53-1');
        return { value, id };
      case 'features':
        if (!Array.isArray(value.features) || !value.features.every((f) => typeof f === 'string')) {
          return fail('features must be an array of strings');
        }
        return { value, id };
      default:
        return fail(`unknown type ${JSON.stringify(value.type.slice(0, 32))}`);
    }
  }
}

/** Why a `say` envelope is invalid, or undefined. */
function sayProblem(value) {
  if (typeof value.id !== 'string' || !ID_PATTERN.test(value.id)) return 'id must be 1-64 characters of A-Z a-z 0-9 _ -';
  if (typeof value.text !== 'string') return 'text must be a string';
  if (value.text.length === 0) return 'text must not be empty';
  if (!value.text.isWellFormed()) return 'text must be well-formed Unicode';
  return undefined;
}

/**
 * Closes every socket with `code` and resolves once all are closed; sockets
 * that have not finished the closing handshake after `timeoutMs` are
 * terminated (ws itself would wait 30 s for a silent peer).
 * @param {Iterable<WebSocket>} sockets
 */
export async function closeGracefully(sockets, { code = 1001, reason = '', timeoutMs = 2000 } = {}) {
  const open = [...sockets].filter((ws) => ws.readyState !== WebSocket.CLOSED);
  const closed = open.map((ws) => new Promise((resolve) => ws.once('close', resolve)));
  for (const ws of open) {
    if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
  }
  const timer = setTimeout(() => open.forEach((ws) => ws.terminate()), timeoutMs);
  await Promise.all(closed);
  clearTimeout(timer);
}

/** Why `name` is not acceptable as a nickname, or '' when it is. */
export function nameProblem(name) {
  const length = codePoints(name);
  if (length < 1 || length > MAX_NAME_CODE_POINTS) return `a name has 1 to ${MAX_NAME_CODE_POINTS} characters`;
  if (/\p{Cc}/u.test(name)) return 'a name has no control characters';
  // A lone surrogate would reach clients as a "\ud800" JSON escape, which
  // strict JSON parsers (nlohmann::json) refuse, losing the whole frame.
  if (!name.isWellFormed()) return 'a name must be well-formed Unicode';
  if (isReservedName(name)) return `"${name}" is reserved`;
  return '';
}

/**
 * Reserved: system, server, admin, wasmchat, in any case, alone or followed
 * by a non-letter and behind leading non-letters ("System:", "[server]",
 * "admin 2"), but not inside a longer word ("Administrator", "servers").
 * Compared the way a reader sees them: NFKC folds full-width letters,
 * upper-then-lower case folds "ſ" to "s", invisible format characters
 * (zero-width space, ...) are dropped.
 */
function isReservedName(name) {
  const rest = nameKey(name).replace(/^[^\p{L}]+/u, '');
  return RESERVED_NAMES.some((word) => rest.startsWith(word) && !/^[\p{L}\p{M}]/u.test(rest.slice(word.length)));
}

/**
 * The form in which two names are the same name: as a reader sees them
 * (NFKC, no invisible format characters, case folded), so that "Ana", "ana"
 * and "ａｎａ" belong to one user.
 */
export function nameKey(name) {
  return name.normalize('NFKC').replace(/\p{Cf}/gu, '').toUpperCase().toLowerCase();
}

/** Why the hook's answer is not an Identity, or ''. */
function identityProblem(identity) {
  if (typeof identity !== 'object') return 'not an object { userId, name }';
  const { userId, name } = identity;
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID_LENGTH || !userId.isWellFormed()) {
    return `userId must be a string of 1-${MAX_USER_ID_LENGTH} characters`;
  }
  if (typeof name !== 'string') return 'name must be a string';
  return nameProblem(name);
}

class AuthenticateTimeout extends Error {}

// Text is counted in code points (docs/protocol.md), not UTF-16 units:
// '😀'.length is 2 but one code point.
function codePoints(text) {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function isInt(value) {
  return Number.isSafeInteger(value) && value >= 0;
}

// ignoreBOM keeps a leading U+FEFF: plain mode drops nothing. Ill-formed
// sequences become U+FFFD (fatal: false).
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

function normalizeOrigin(origin) {
  return String(origin).trim().toLowerCase().replace(/\/+$/, '');
}

function refuseUpgrade(socket, status, text, headers = '') {
  // Node hands over the upgrade socket without its own 'error' listener; a
  // client that resets now must not crash the process.
  socket.on('error', () => {});
  if (socket.destroyed) return;
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n${headers}Content-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
}

function resolveOptions(options) {
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULTS)) throw new TypeError(`createChatServer: unknown option ${key}`);
  }
  const config = { ...DEFAULTS, ...options };
  for (const key of ['historySize', 'idMemory', 'closeTimeoutMs', 'maxBufferedBytes']) {
    if (!isInt(config[key])) throw new TypeError(`createChatServer: ${key} must be an integer >= 0`);
  }
  for (const key of ['maxCodePoints', 'maxFrameBytes', 'maxBatchBytes', 'messagesPerSecond', 'authenticateTimeoutMs']) {
    if (!isInt(config[key]) || config[key] < 1) throw new TypeError(`createChatServer: ${key} must be an integer >= 1`);
  }
  if (config.allowedOrigins !== null && !(Array.isArray(config.allowedOrigins) && config.allowedOrigins.every((o) => typeof o === 'string'))) {
    throw new TypeError('createChatServer: allowedOrigins must be null or an array of strings');
  }
  if (typeof config.coalesce !== 'boolean') throw new TypeError('createChatServer: coalesce must be a boolean');
  if (typeof config.now !== 'function') throw new TypeError('createChatServer: now must be a function');
  if (config.authenticate !== null && typeof config.authenticate !== 'function') {
    throw new TypeError('createChatServer: authenticate must be null or a function');
  }
  return config;
}
