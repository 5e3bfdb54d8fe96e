// Redis's share of the cluster: how many messages per second one
// redis-server stores (the publish script) and hands to `--instances` stores
// reading the stream, and its CPU per message, from /proc. For the capacity
// model in docs/deploy.md.
//
//   node load/redis-rate.js [--messages 20000] [--instances 3] [--concurrency 200]
import fs from 'node:fs';
import { createRedisStore } from '../server/redis-store.js';
import { startRedisServer } from '../tests/fixtures/redis-server-process.js';
import { numericArgs, withDeadline } from './common.js';

const args = numericArgs({ messages: 20000, instances: 3, concurrency: 200 });
const cpu = (pid) => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};

const redis = await startRedisServer();
const stores = Array.from({ length: args.instances }, () => createRedisStore({ url: redis.url }));
try {
  await Promise.all(stores.map((s) => s.start()));
  const received = stores.map(() => 0);
  let allReceived;
  const done = new Promise((resolve) => { allReceived = resolve; });
  stores.forEach((store, i) => store.onMessage(() => {
    if (++received[i] === args.messages && received.every((n) => n === args.messages)) allReceived();
  }));
  const cpuBefore = cpu(redis.pid());
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: args.concurrency }, async () => {
    while (next < args.messages) {
      const n = next++;
      await stores[n % stores.length].publish({ id: `r${n}`, from: 'rate', text: 'a message of a typical length', time: Date.now() });
    }
  }));
  const stored = performance.now() - t0;
  await withDeadline(done, 60_000, 'every store received every message');
  const fannedOut = performance.now() - t0;
  const redisCpu = cpu(redis.pid()) - cpuBefore;
  console.log(`wasmchat redis rate: ${args.messages} messages through ${args.instances} stores: ` +
    `stored at ${Math.round(args.messages / (stored / 1000))}/s, read by every store at ${Math.round(args.messages / (fannedOut / 1000))}/s; ` +
    `redis-server CPU ${((redisCpu * 1e6) / args.messages).toFixed(1)} µs per message (publish + ${args.instances} stream reads)`);
} finally {
  await Promise.all(stores.map((s) => s.close()));
  await redis.stop();
}
