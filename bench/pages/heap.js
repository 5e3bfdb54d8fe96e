// The wasm heap of one chat client (createChatClient, no view) while it
// receives a long stream of messages: HEAPU8.length of the page's one module
// instance at each checkpoint, read through the package's memoryStats() when
// it has one, else through /dist/module.js (the unbundled layout).
//   ?block=...&server=ws://...&checkpoints=10000,1000000&progressEvery=10000&timeoutMs=...
import { params, report, fatal, deadline, nextEvent } from './common.js';

const server = params.get('server');
const checkpoints = params.get('checkpoints').split(',').map(Number);
const progressEvery = Number(params.get('progressEvery') ?? 10_000);
const timeoutMs = Number(params.get('timeoutMs') ?? 600_000);
const total = Math.max(...checkpoints);

async function main() {
  const pkg = await import('/dist/index.js');
  const { createChatClient } = pkg;
  let heap;
  if (typeof pkg.memoryStats === 'function') {
    heap = () => pkg.memoryStats().wasmHeapBytes;
  } else {
    const module = await import('/dist/module.js');
    heap = () => module.wasm.HEAPU8.length;
  }
  const jsHeap = () => performance.memory?.usedJSHeapSize ?? null;
  const client = await createChatClient({ server });
  let count = 0;
  let finish;
  const all = new Promise((resolve) => { finish = resolve; });
  const started = performance.now();
  client.addEventListener('message', ({ detail }) => {
    if (detail.own) return;
    count++;
    if (checkpoints.includes(count)) {
      report({ type: 'checkpoint', count, heap: heap(), jsHeap: jsHeap(), ms: performance.now() - started }).catch(fatal);
    }
    if (count % progressEvery === 0) report({ type: 'progress', count }).catch(() => {});
    if (count === total) finish();
  });
  if (client.state !== 'open') await nextEvent(client, 'open', 20_000);
  await report({ type: 'ready', heap: heap(), jsHeap: jsHeap() });
  await deadline(all, timeoutMs, `receiving ${total} messages`).catch((error) => {
    throw new Error(`${error.message}; got ${count}`);
  });
  await report({ type: 'done', count, heap: heap(), state: client.state });
  client.close();
}

main().catch(fatal);
