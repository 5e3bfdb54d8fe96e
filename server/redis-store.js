// The chat store on Redis (chat-store.js has the contract): every instance
// using the same Redis (and key prefix) is one chat.
//
//   <prefix>epoch        the epoch (the welcome's session); created when missing,
//                        together with an empty seq and stream, so a Redis
//                        restarted empty is a new epoch and seq restarts at 1
//   <prefix>seq          the last seq given (INCR)
//   <prefix>stream       the messages, stream id "<seq>-0", trimmed to about
//                        streamLength entries (XADD MAXLEN ~)
//   <prefix>id:<id>      "<seq>:<text>" of a published client id, for idTtlMs
//   <prefix>instances    zset: instance -> expiry (ms, Redis clock) of its heartbeat
//   <prefix>online       hash: instance -> its client count
//   <prefix>instance-no  counter naming instances (guest names)
//   <prefix>name:<key>   the userId holding an identity name, for nameTtlMs
//                        after its holder last connected
//
// Publishing is one Lua script (epoch check, id check, INCR, XADD, SET id), so
// seq order is Redis's execution order and an id is stored at most once.
// Fan-out reads the stream (XREAD BLOCK from the last seq delivered) on a
// connection of its own: in order, nothing twice, and after a lost connection
// it continues where it stopped. Presence is a heartbeat: every instance
// writes its count with an expiry every presenceIntervalMs and sums the live
// ones, so a killed instance's clients leave the count within presenceTtlMs.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { StoreUnavailableError, randomEpoch } from './chat-store.js';

const PUBLISH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'epoch'} end
local known = redis.call('GET', KEYS[4])
if known then
  local colon = string.find(known, ':', 1, true)
  return {'duplicate', tonumber(string.sub(known, 1, colon - 1)), string.sub(known, colon + 1)}
end
local seq = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], seq .. '-0',
  'id', ARGV[2], 'from', ARGV[3], 'text', ARGV[4], 'time', ARGV[5], 'epoch', ARGV[1])
redis.call('SET', KEYS[4], seq .. ':' .. ARGV[4], 'PX', ARGV[7])
return {'stored', seq}
`;

// Returns the epoch, creating it (with an empty seq space) when missing.
const EPOCH = `
local epoch = redis.call('GET', KEYS[1])
if epoch then return epoch end
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
`;

// Heartbeat: this instance's count with an expiry, expired instances purged;
// returns { clients of the other live instances, epoch or nil }.
const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do redis.call('HDEL', KEYS[2], gone) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local others = 0
local counts = redis.call('HGETALL', KEYS[2])
for i = 1, #counts, 2 do
  if counts[i] ~= ARGV[1] then others = others + tonumber(counts[i + 1]) end
end
return {others, redis.call('GET', KEYS[3])}
`;

// claimName: the first user holds a name; each claim by its holder renews it.
const CLAIM_NAME = `
local owner = redis.call('GET', KEYS[1])
if not owner then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
if owner == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return owner
`;

const DEFAULTS = Object.freeze({
  keyPrefix: 'wasmchat:',
  historySize: 100, // delivered on start and after a new epoch
  streamLength: 10000, // messages kept in Redis (at least historySize)
  idTtlMs: 10 * 60_000, // how long a published id is recognised
  presenceIntervalMs: 1000,
  presenceTtlMs: 3000, // a silent instance's clients leave the count after this
  commandTimeoutMs: 10_000, // a Redis that does not answer is unavailable (generous: a loaded instance is slow to read replies)
  retryMs: 250, // pause of the fan-out loop after a failure
  nameTtlMs: 30 * 24 * 3600_000, // an identity name stays its user's this long after they last connected
});

/**
 * @param {{ url: string } & Partial<typeof DEFAULTS>} options
 * @returns {import('./chat-store.js').ChatStore}
 */
export function createRedisStore({ url, ...rest }) {
  for (const key of Object.keys(rest)) {
    if (!(key in DEFAULTS)) throw new TypeError(`createRedisStore: unknown option ${key}`);
  }
  const config = { ...DEFAULTS, ...rest };
  config.streamLength = Math.max(config.streamLength, config.historySize);
  const key = (name) => config.keyPrefix + name;
  const instance = randomBytes(6).toString('base64url');

  const connection = {
    lazyConnect: true,
    // A command while Redis is away fails at once (the client is told
    // `unavailable` and retries) rather than waiting in a queue, and is never
    // re-sent behind our back after a reconnection.
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: config.commandTimeoutMs,
    retryStrategy: (times) => Math.min(50 * times, 1000), // reconnect forever
  };
  const redis = new Redis(url, connection);
  // XREAD BLOCK holds its connection; the timeout must outlast the block.
  const reader = new Redis(url, { ...connection, commandTimeout: config.commandTimeoutMs + 2000 });
  // Failures surface as rejected commands (publish: `unavailable`); the
  // connections reconnect by themselves.
  for (const client of [redis, reader]) client.on('error', () => {});
  for (const [name, lua, numberOfKeys] of [['wasmchatPublish', PUBLISH, 4], ['wasmchatEpoch', EPOCH, 3],
    ['wasmchatHeartbeat', HEARTBEAT, 3], ['wasmchatClaimName', CLAIM_NAME, 1]]) {
    redis.defineCommand(name, { lua, numberOfKeys });
  }

  const messageListeners = [];
  const epochListeners = [];
  const presenceListeners = [];
  let epoch = null;
  let lastSeq = 0; // last seq delivered to the listeners, in `epoch`
  let mustSync = true; // re-read the epoch (and the history if it changed) before reading on
  let guestPrefix = 'guest-';
  let localOnline = 0;
  let othersOnline = 0;
  let reported = 0; // the last total given to presence listeners
  let closed = false;
  let heartbeatTimer = null;
  let started = null;

  async function sync() {
    const current = await redis.wasmchatEpoch(key('epoch'), key('seq'), key('stream'), randomEpoch());
    if (current !== epoch) {
      const number = await redis.incr(key('instance-no'));
      guestPrefix = `guest${number}-`;
      const first = epoch === null;
      epoch = current;
      lastSeq = 0;
      if (!first) for (const listener of epochListeners) listener(epoch);
      const newest = await redis.xrevrange(key('stream'), '+', '-', 'COUNT', config.historySize);
      deliver(newest.reverse());
    }
    mustSync = false;
  }

  function deliver(entries) {
    for (const [entryId, fields] of entries) {
      const seq = Number.parseInt(entryId, 10);
      if (seq <= lastSeq) continue;
      const f = {};
      for (let i = 0; i < fields.length; i += 2) f[fields[i]] = fields[i + 1];
      if (f.epoch !== epoch) {
        // Written in another epoch than ours: ours is gone.
        mustSync = true;
        return;
      }
      lastSeq = seq;
      const message = { type: 'message', seq, id: f.id, from: f.from, text: f.text, time: Number(f.time) };
      for (const listener of messageListeners) listener(message);
    }
  }

  async function fanOut() {
    while (!closed) {
      try {
        if (mustSync) await sync();
        const reply = await reader.xread('COUNT', 1000, 'BLOCK', 1000, 'STREAMS', key('stream'), `${lastSeq}-0`);
        if (reply) deliver(reply[0][1]);
      } catch {
        if (closed) return;
        mustSync = true; // whatever failed, Redis may have restarted empty meanwhile
        await new Promise((resolve) => setTimeout(resolve, config.retryMs));
      }
    }
  }

  async function heartbeat() {
    try {
      const [others, current] = await redis.wasmchatHeartbeat(key('instances'), key('online'), key('epoch'),
        instance, localOnline, config.presenceTtlMs);
      othersOnline = Number(others);
      if (current !== epoch) mustSync = true;
      reportPresence();
    } catch {
      // Redis away: the count stays as last known; the fan-out loop recovers.
    }
  }

  function reportPresence() {
    const total = othersOnline + localOnline;
    if (total === reported) return;
    reported = total;
    for (const listener of presenceListeners) listener(total);
  }

  return {
    start() {
      started ??= (async () => {
        // Until Redis answered once there is no epoch to welcome anyone with.
        for (;;) {
          try {
            if (redis.status === 'wait') await redis.connect();
            if (reader.status === 'wait') await reader.connect();
            await sync();
            break;
          } catch (error) {
            if (closed) throw error;
            await new Promise((resolve) => setTimeout(resolve, config.retryMs));
          }
        }
        fanOut();
        heartbeatTimer = setInterval(heartbeat, config.presenceIntervalMs);
        heartbeatTimer.unref?.();
        await heartbeat();
      })();
      return started;
    },
    epoch: () => epoch,
    async publish({ id, from, text, time }) {
      if (mustSync) throw new StoreUnavailableError('chat storage is reconnecting');
      let reply;
      try {
        reply = await redis.wasmchatPublish(key('epoch'), key('seq'), key('stream'), key(`id:${id}`),
          epoch, id, from, text, String(time), config.streamLength, config.idTtlMs);
      } catch (error) {
        throw new StoreUnavailableError(`chat storage is unavailable (${error.message})`);
      }
      if (reply[0] === 'epoch') {
        mustSync = true;
        throw new StoreUnavailableError('chat storage restarted');
      }
      if (reply[0] === 'duplicate') return { duplicate: true, seq: Number(reply[1]), text: reply[2] };
      return { duplicate: false, seq: Number(reply[1]) };
    },
    onMessage: (listener) => { messageListeners.push(listener); },
    onEpoch: (listener) => { epochListeners.push(listener); },
    setLocalOnline(count) {
      localOnline = count;
      reportPresence();
    },
    online: () => othersOnline + localOnline,
    onPresence: (listener) => { presenceListeners.push(listener); },
    guestPrefix: () => guestPrefix,
    async claimName(nameKey, userId) {
      try {
        return await redis.wasmchatClaimName(key(`name:${nameKey}`), userId, config.nameTtlMs);
      } catch (error) {
        throw new StoreUnavailableError(`chat storage is unavailable (${error.message})`);
      }
    },
    async nameOwner(nameKey) {
      try {
        return await redis.get(key(`name:${nameKey}`));
      } catch (error) {
        throw new StoreUnavailableError(`chat storage is unavailable (${error.message})`);
      }
    },
    async close() {
      closed = true;
      clearInterval(heartbeatTimer);
      // Leave the count at once rather than after presenceTtlMs.
      await redis.multi().zrem(key('instances'), instance).hdel(key('online'), instance).exec().catch(() => {});
      reader.disconnect();
      redis.disconnect();
    },
  };
}
