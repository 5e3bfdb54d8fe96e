import { startBenchServer } from '../lib/bench-server.js';
import { withPage } from '../lib/run-page.js';
const server = await startBenchServer();
const total = Number(process.argv[2] ?? 1000);
const plan = { kind: 'echo', url: server.echoUrl, inFlight: 64, reps: 1, impls: ['native','wasm','cpp'], timeoutMs: 10000, configs: [{size: 16, text: true, total}, {size: 65536, text: false, total: 200}] };
try {
await withPage(server, { path: '/bench/pages/echo.html', plan }, async ({ mailbox, abort, chromium }) => {
  mailbox.on(m => console.log('MSG', JSON.stringify(m)));
  await mailbox.waitFor(m => m.type === 'done', 40000, 'done');
});
} finally { await server.close(); }
