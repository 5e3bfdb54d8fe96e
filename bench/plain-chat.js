// The baseline for the chat benchmarks: a wasmchat.v1 client written the
// plain way, on the browser's WebSocket with JSON.stringify / JSON.parse. It
// offers 'wasmchat.v1', waits for the welcome, sends `say` envelopes with ids
// and counts `message` envelopes. No outbox, no acks bookkeeping, no
// reconnection: the least a v1 client must do.

/**
 * @param {string} url ws: URL of the chat endpoint.
 * @param {{ onMessage?: (envelope: object) => void, onError?: (envelope: object) => void }} [handlers]
 */
export function createPlainChat(url, { onMessage = () => {}, onError = () => {} } = {}) {
  const socket = new WebSocket(url, ['wasmchat.v1']);
  const chat = {
    socket,
    name: '',
    online: 0,
    received: 0,   // `message` envelopes
    acked: 0,      // `ack` envelopes
    errors: [],    // `error` envelopes
    state: 'connecting',
    ready: null,
    /** Sends one `say` envelope; returns the bytes queued by the socket. */
    say(id, text) {
      socket.send(JSON.stringify({ type: 'say', id, text }));
    },
    get bufferedAmount() { return socket.bufferedAmount; },
    close() { socket.close(1000, 'done'); },
  };
  chat.ready = new Promise((resolve, reject) => {
    socket.onmessage = (event) => {
      const envelope = JSON.parse(event.data);
      switch (envelope.type) {
        case 'message':
          chat.received++;
          onMessage(envelope);
          break;
        case 'ack':
          chat.acked++;
          break;
        case 'welcome':
          if (socket.protocol !== 'wasmchat.v1') return reject(new Error(`server chose protocol '${socket.protocol}'`));
          chat.name = envelope.name;
          chat.online = envelope.online;
          chat.state = 'open';
          resolve(chat);
          break;
        case 'presence':
          chat.online = envelope.online;
          break;
        case 'error':
          chat.errors.push(envelope);
          onError(envelope);
          break;
        default:
          break;
      }
    };
    socket.onclose = (event) => {
      chat.state = 'closed';
      reject(new Error(`closed (${event.code}) before the welcome`));
    };
  });
  return chat;
}
