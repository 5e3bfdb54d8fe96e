// Memory per idle connection of one chat instance (a child process running
// server/app.js, in memory or on a Redis): its RSS before and after N idle
// wasmchat.v1 clients connect, from /proc, divided by N. For docs/deploy.md.
//
//   node load/idle-memory.js [--connections 2000] [--redis 1]
import fs from 'node:fs';
import { startChatServerProcess } from '../tests/fixtures/chat-server-process.js';
import { startRedisServer } from '../tests/fixtures/redis-server-process.js';
import { connectClient } from './generator.js';
import { numericArgs, sleep } from './common.js';

const args = numericArgs({ connections: 2000, redis: 0 });
const rss = (pid) => Number(fs.readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096;

const redis = args.redis ? await startRedisServer() : null;
const instance = await startChatServerProcess({ chatOptions: redis ? { redisUrl: redis.url } : { historySize: 100 } });
const clients = [];
try {
  // A few clients first: the server's lazily built paths are then warm.
  for (let i = 0; i < 20; i++) clients.push(await connectClient(`ws://127.0.0.1:${instance.port}/ws`, { timeoutMs: 60_000 }));
  await sleep(1000);
  const before = rss(instance.pid());
  for (let i = 0; i < args.connections; i += 100) {
    clients.push(...await Promise.all(Array.from({ length: Math.min(100, args.connections - i) },
      () => connectClient(`ws://127.0.0.1:${instance.port}/ws`, { timeoutMs: 60_000 }))));
  }
  await sleep(2000);
  const after = rss(instance.pid());
  const perConnection = (after - before) / args.connections;
  console.log(`wasmchat idle memory (${redis ? 'Redis store' : 'memory store'}): ${args.connections} idle connections, ` +
    `RSS ${(before / 2 ** 20).toFixed(1)} -> ${(after / 2 ** 20).toFixed(1)} MiB, ${(perConnection / 1024).toFixed(1)} KiB per connection`);
} finally {
  for (const { ws } of clients) ws.terminate();
  await instance.stop();
  await redis?.stop();
}
