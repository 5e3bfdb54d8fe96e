import { startBenchServer } from '../lib/bench-server.js';
import { runEcho, runLatency } from '../benchmarks/transport.js';
const server = await startBenchServer();
const options = { reps: 1, echo: { sizes: [16, 1024, 65536], totals: {16: 20000, 1024: 20000, 65536: 2000}, calibrate: false, inFlight: 64, warmup: 0, oneProcess: true, runTimeoutMs: 30000 },
  latency: { size: 32, count: 2000, warmup: 200, runTimeoutMs: 30000 } };
const t = Date.now();
try {
  const r = await runEcho({ server, options, log: console.log });
  for (const c of r.results) console.log(c.size, c.type, Object.entries(c.runs).map(([k, v]) => `${k}: ${v[0] ? Math.round(v[0].msgsPerSec) + '/s ' + v[0].ms.toFixed(0) + 'ms' : 'x'}`).join('  '));
  console.log(r.errors);
  const l = await runLatency({ server, options, log: console.log });
  console.log(JSON.stringify(l.runs), l.errors);
} finally { await server.close(); console.log('elapsed', Date.now() - t); }
