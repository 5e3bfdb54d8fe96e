// Where the chat keeps what must be shared by every instance serving it: the
// broadcast order (seq), the epoch that names it (the welcome's `session`),
// the ids already broadcast, and who is online. chat-server.js talks only to
// this interface; this file defines it and holds the in-memory store (one
// instance, the default); redis-store.js is the same contract on Redis, for
// any number of instances.
//
// The contract, which tests/server/chat-store.test.js runs against both:
//   * publish(draft) stores `draft` under the next seq of the current epoch
//     and resolves once it is stored, or resolves { duplicate: true, seq,
//     text } with the original when `draft.id` was already published within
//     the id memory; it rejects with a StoreUnavailableError (nothing was
//     stored, or nothing can be known about it) when storage cannot be reached.
//   * every stored message reaches every listener of every instance exactly
//     once, in seq order (onMessage); on start, the last `historySize` stored
//     messages are delivered first, so that an instance's history is the
//     cluster's.
//   * epoch() names the seq space: the same on every instance, new when the
//     storage lost everything (seq restarts at 1); onEpoch(epoch) is called
//     before the first message of a new epoch.
//   * setLocalOnline(n) reports this instance's clients; online() is the
//     total over every live instance, onPresence(total) reports changes.
//   * claimName(key, userId) records that the name with this key (the chat
//     server's nameKey()) is the identity name of userId, unless another user
//     holds it already (the first holds it), and resolves with its holder;
//     nameOwner(key) resolves with the holder or null, the same on every
//     instance once claimName resolved. Both reject with a
//     StoreUnavailableError when storage cannot be reached.
import { randomBytes } from 'node:crypto';

/** Storage cannot be reached: the request was not stored; retry later. */
export class StoreUnavailableError extends Error {
  constructor(message = 'chat storage is unavailable') {
    super(message);
    this.name = 'StoreUnavailableError';
    this.code = 'unavailable';
  }
}

/**
 * @typedef {{ id: string, from: string, text: string, time: number }} Draft
 * @typedef {Draft & { type: 'message', seq: number }} StoredMessage
 * @typedef {{ duplicate: false, seq: number } | { duplicate: true, seq: number, text: string }} PublishResult
 * @typedef {object} ChatStore
 * @property {() => Promise<void>} start resolves once epoch() is known and the history delivered
 * @property {() => string | null} epoch the current epoch; null only before start() resolved
 * @property {(draft: Draft) => Promise<PublishResult>} publish
 * @property {(listener: (message: StoredMessage) => void) => void} onMessage
 * @property {(listener: (epoch: string) => void) => void} onEpoch
 * @property {(count: number) => void} setLocalOnline
 * @property {() => number} online
 * @property {(listener: (online: number) => void) => void} onPresence
 * @property {() => string} guestPrefix names given to guests start with it (unique per instance)
 * @property {(key: string, userId: string) => Promise<string>} claimName
 * @property {(key: string) => Promise<string | null>} nameOwner
 * @property {() => Promise<void>} close
 */

/**
 * The single-instance store: everything in this process.
 * @param {{ idMemory?: number, nameMemory?: number, epoch?: string }} [options] idMemory: ids remembered
 *   for duplicate detection; nameMemory: identity names remembered (the least recently claimed is forgotten).
 * @returns {ChatStore}
 */
export function createMemoryStore({ idMemory = 10000, nameMemory = 100_000, epoch = randomEpoch() } = {}) {
  const messageListeners = [];
  const presenceListeners = [];
  // id -> { seq, text }; a Map iterates in insertion order, so the first key
  // is the oldest one to forget.
  const recentIds = new Map();
  const nameOwners = new Map(); // name key -> userId, least recently claimed first
  let lastSeq = 0;
  let online = 0;

  return {
    start: async () => {},
    epoch: () => epoch,
    async publish(draft) {
      const known = recentIds.get(draft.id);
      if (known) return { duplicate: true, seq: known.seq, text: known.text };
      const message = { type: 'message', seq: ++lastSeq, ...draft };
      recentIds.set(draft.id, { seq: message.seq, text: draft.text });
      if (recentIds.size > idMemory) recentIds.delete(recentIds.keys().next().value);
      // Before resolving: the sender sees its message before its ack.
      for (const listener of messageListeners) listener(message);
      return { duplicate: false, seq: message.seq };
    },
    onMessage: (listener) => { messageListeners.push(listener); },
    onEpoch: () => {}, // one process, one epoch
    setLocalOnline(count) {
      if (count === online) return;
      online = count;
      for (const listener of presenceListeners) listener(online);
    },
    online: () => online,
    onPresence: (listener) => { presenceListeners.push(listener); },
    guestPrefix: () => 'guest-',
    async claimName(key, userId) {
      const owner = nameOwners.get(key) ?? userId;
      if (owner === userId) {
        nameOwners.delete(key); // re-inserted: now the most recent
        nameOwners.set(key, userId);
        if (nameOwners.size > nameMemory) nameOwners.delete(nameOwners.keys().next().value);
      }
      return owner;
    },
    nameOwner: async (key) => nameOwners.get(key) ?? null,
    close: async () => {},
  };
}

export function randomEpoch() {
  // Same shape as before the stores: 12 base64url characters.
  return randomBytes(9).toString('base64url');
}
