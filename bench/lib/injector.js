// A wasmchat.v1 client in Node (ws) that feeds messages into the chat server
// for the rendering and heap benchmarks: `say` envelopes as fast as the
// server takes them, optionally paced so that the receiving page is never
// more than a bounded number of messages behind.
import { WebSocket } from 'ws';

export async function connectInjector(url, { timeoutMs = 10_000 } = {}) {
  const ws = new WebSocket(url, ['wasmchat.v1'], { perMessageDeflate: false });
  let acked = 0;
  let errors = 0;
  let lastError = '';
  let onAck = null;
  ws.on('error', () => {});
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('injector: no welcome')), timeoutMs);
    ws.once('message', (data) => {
      clearTimeout(timer);
      const envelope = JSON.parse(String(data));
      if (envelope.type === 'welcome') resolve(); else reject(new Error(`injector: expected welcome, got ${envelope.type}`));
    });
    ws.once('close', (code) => { clearTimeout(timer); reject(new Error(`injector: closed (${code}) before the welcome`)); });
  });
  ws.on('message', (data) => {
    // Broadcasts of its own messages come back too; only acks and errors matter.
    const text = String(data);
    if (text.startsWith('{"type":"ack"')) {
      acked++;
      if (onAck) { const f = onAck; onAck = null; f(); }
    } else if (text.startsWith('{"type":"error"')) {
      errors++;
      lastError = text;
    }
  });

  return {
    get acked() { return acked; },
    get errors() { return errors; },
    get lastError() { return lastError; },

    /**
     * Sends `count` messages (text `textOf(i)`, id `${prefix}${i}`). At most
     * `maxUnacked` wait for their ack, and message i is only sent once
     * `mayRunAhead(i)` agrees. Rejects after `timeoutMs`.
     */
    async send(count, textOf, { prefix = 'i', maxUnacked = Infinity, mayRunAhead = () => true, timeoutMs = 60_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      let i = 0;
      while (i < count) {
        if (ws.readyState !== WebSocket.OPEN) throw new Error(`injector: socket closed after ${i} messages`);
        if (Date.now() > deadline) throw new Error(`injector: timed out after ${i} of ${count} messages`);
        if (i - acked >= maxUnacked) {
          await new Promise((resolve) => { onAck = resolve; setTimeout(resolve, 50); });
          continue;
        }
        if (!mayRunAhead(i)) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          continue;
        }
        ws.send(`{"type":"say","id":"${prefix}${i}","text":${JSON.stringify(textOf(i))}}`);
        i++;
        // Let acks and the server's own work in (they share this event loop).
        if ((i & 1023) === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    },

    /** Resolves once `count` acks arrived (the server has broadcast that many), rejects after `timeoutMs`. */
    async waitAcked(count, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (acked < count) {
        if (Date.now() > deadline) throw new Error(`injector: ${acked} of ${count} acks after ${timeoutMs} ms`);
        await new Promise((resolve) => { onAck = resolve; setTimeout(resolve, 20); });
      }
    },

    close() { ws.terminate(); },
  };
}
