// Chat end to end, page side. One page is the sender, another (in another
// Chromium) the receiver; both talk to the real chat server. impl=wasm uses
// createChatClient (the C++ client), impl=plain bench/plain-chat.js (the
// browser's WebSocket with JSON.stringify/JSON.parse).
//   ?role=sender|receiver&impl=wasm|plain&server=ws://...&n=N[&clientOptions=JSON]
import { params, report, fatal, waitSignal, nextEvent, deadline, sleep } from './common.js';

const role = params.get('role');
const impl = params.get('impl');
const server = params.get('server');
const n = Number(params.get('n'));
const timeoutMs = Number(params.get('timeoutMs') ?? 60_000);
const textOf = (i) => `message ${String(i).padStart(7, '0')} from the sender`;

async function wasmClient(onForeign) {
  const { createChatClient } = await import('/dist/index.js');
  // ?clientOptions={...} (JSON) for experiments, e.g. a larger outbox.
  const client = await createChatClient({ server, ...JSON.parse(params.get('clientOptions') ?? '{}') });
  client.addEventListener('message', ({ detail }) => { if (!detail.own) onForeign(detail.text); });
  if (client.state !== 'open') await nextEvent(client, 'open', 20_000);
  if (client.mode !== 'v1') throw new Error(`expected wasmchat.v1, got mode ${client.mode}`);
  return client;
}

async function plainClient(onForeign) {
  const { createPlainChat } = await import('/bench/plain-chat.js');
  let chat = null;
  chat = createPlainChat(server, { onMessage: (envelope) => { if (envelope.from !== chat.name) onForeign(envelope.text); } });
  await deadline(chat.ready, 20_000, 'welcome');
  return chat;
}

/** wasm: send() until outbox_full, then wait for 'drain' or one of our messages being delivered. */
function sendAllWasm(client) {
  let i = 0;
  let waits = 0;
  let wake = null;
  const onProgress = () => { if (wake) { const w = wake; wake = null; queueMicrotask(w); } };
  client.addEventListener('drain', onProgress);
  client.addEventListener('message', ({ detail }) => { if (detail.own && detail.state === 'delivered') onProgress(); });
  return deadline(new Promise((resolve, reject) => {
    const pump = () => {
      while (i < n) {
        const result = client.send(textOf(i));
        if (result.ok) { i++; continue; }
        if (result.reason !== 'outbox_full') return reject(new Error(`send ${i}: ${result.reason}: ${result.message}`));
        waits++;
        wake = pump;
        return;
      }
      resolve({ waits });
    };
    pump();
  }), timeoutMs, `sending ${n} (${i} accepted)`);
}

/** plain: send while bufferedAmount < 64 KiB, else look again in 2 ms. */
function sendAllPlain(chat) {
  let i = 0;
  let waits = 0;
  return deadline(new Promise((resolve) => {
    const pump = () => {
      while (i < n) {
        if (chat.bufferedAmount >= 65536) {
          waits++;
          setTimeout(pump, 2);
          return;
        }
        chat.say(`p${i}`, textOf(i));
        i++;
      }
      resolve({ waits });
    };
    pump();
  }), timeoutMs, `sending ${n} (${i} sent)`);
}

async function main() {
  if (role === 'receiver') {
    let count = 0;
    let firstAt = 0;
    let firstPerf = 0;
    let last = '';
    let finish;
    const all = new Promise((resolve) => { finish = resolve; });
    const onForeign = (text) => {
      if (++count === 1) { firstAt = Date.now(); firstPerf = performance.now(); }
      if (count === n) {
        last = text;
        finish({ lastAt: Date.now(), lastPerf: performance.now() });
      }
    };
    const client = impl === 'wasm' ? await wasmClient(onForeign) : await plainClient(onForeign);
    await report({ type: 'ready', role });
    const { lastAt, lastPerf } = await deadline(all, timeoutMs, `receiving ${n} messages`).catch((error) => {
      throw new Error(`${error.message}; got ${count}`);
    });
    await report({ type: 'received', role, impl, count, firstAt, lastAt, receiveMs: lastPerf - firstPerf, lastOk: last === textOf(n - 1) });
    client.close();
    return;
  }
  const client = impl === 'wasm' ? await wasmClient(() => {}) : await plainClient(() => {});
  await report({ type: 'ready', role });
  await waitSignal('go', 60_000);
  const startAt = Date.now();
  const startPerf = performance.now();
  const { waits } = impl === 'wasm' ? await sendAllWasm(client) : await sendAllPlain(client);
  await report({ type: 'sent', role, impl, startAt, sendMs: performance.now() - startPerf, waits });
  // Stay connected: the harness kills this page once the receiver has everything.
  await sleep(timeoutMs);
}

main().catch(fatal);
