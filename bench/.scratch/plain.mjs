import { startBenchServer } from '../lib/bench-server.js';
import { withPage } from '../lib/run-page.js';
const server = await startBenchServer();
const plan = { kind: 'latency', url: server.echoUrl, size: 32, count: 100, warmup: 0, reps: 1, impls: ['native','wasm','cpp'], timeoutMs: 5000 };
try {
await withPage(server, { path: '/bench/pages/echo.html', plan }, async ({ mailbox, abort, chromium }) => {
  mailbox.on(m => console.log('MSG', JSON.stringify(m)));
  await new Promise(r => setTimeout(r, 5000));
  console.log(chromium.stderrTail().slice(-1500));
});
} finally { await server.close(); }
