// The persistent outbox: the own messages that are queued or sent but not
// yet acknowledged, kept in IndexedDB so that a reload, a closed tab or a
// crashed renderer loses none of them. The C++ outbox stays the source of
// truth; this file only mirrors it from the client's own-message events
// (queued -> put, delivered/failed -> delete) and, when a page loads, hands
// what a previous page left back to it (ChatClient::restore, original ids:
// the server answers an id it already published with an ack and does not
// broadcast it again, so a message that made it before the reload is not
// shown twice).
//
// Storage: database `wasmchat-outbox` (version 1), object store `messages`,
// records { store, id, text, time, n } under the key [store, id]; `store` is
// "<name> <server URL>". One Web Lock per store (`wasmchat-outbox <store>`):
// only the page holding it reads, restores and writes that store, so two tabs
// never deliver the same stored message. A page that cannot get it keeps its
// messages in memory and waits for the lock (it gets it when the holder
// closes, crashes or goes away) and then takes over what is stored.
//
// Any storage failure (no IndexedDB, private mode, quota, no Web Locks) is
// reported once as an `error` event with code `storage_unavailable`, and the
// client goes on in memory.

const DATABASE = 'wasmchat-outbox';
const VERSION = 1;
const MESSAGES = 'messages';

/** The one stable code of every storage failure. */
export const STORAGE_UNAVAILABLE = 'storage_unavailable';

/** `persist` option -> store name, or null for off. Throws a TypeError for a bad value. */
export function storeName(persist) {
  if (persist === undefined || persist === null || persist === false) return null;
  if (persist === true) return 'default';
  if (typeof persist === 'object' && (persist.name === undefined || typeof persist.name === 'string')) {
    return persist.name || 'default';
  }
  throw new TypeError("The option 'persist' must be true, false or { name: string }.");
}

/**
 * The store's key: its name and the server's absolute URL (as the client
 * resolves it: http -> ws), without query or fragment: those usually carry
 * credentials (`?token=`) that change between page loads while the chat, and
 * so the messages owed to it, stay the same.
 */
export function storeKey(name, server) {
  if (typeof server === 'function') return `${name} (url function)`;
  let url;
  try {
    url = new URL(server ?? '/ws', globalThis.location?.href);
  } catch {
    return `${name} ${server}`;  // invalid: the client refuses it with a SyntaxError
  }
  url.search = '';
  url.hash = '';
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  return `${name} ${url.href}`;
}

const describe = (error) => (error && error.name ? `${error.name}: ${error.message}` : String(error));

/** A request or transaction as a promise. */
function done(target, value = () => target.result) {
  return new Promise((resolve, reject) => {
    target.onsuccess = target.oncomplete = () => resolve(value());
    target.onerror = () => reject(target.error);
    target.onabort = () => reject(target.error ?? new DOMException('The transaction was aborted.', 'AbortError'));
  });
}

function openDatabase() {
  if (!globalThis.indexedDB) throw new DOMException('IndexedDB is not available here.', 'NotSupportedError');
  const request = globalThis.indexedDB.open(DATABASE, VERSION);
  request.onupgradeneeded = () => request.result.createObjectStore(MESSAGES, { keyPath: ['store', 'id'] });
  return done(request);
}

/**
 * One client's persistent outbox. Lifecycle: open() (database and, if free,
 * the lock), attach() once the client exists, then it follows the client's
 * events until the client closes for good, when it releases the lock.
 */
export class OutboxStore {
  #key;
  #db = null;
  #state = 'waiting';  // waiting | on | failed
  #release = null;     // ends the lock's callback
  #abort = new AbortController();
  #restoreHere = null; // (id, text) -> refusal or null, from the client
  #report = null;      // (code, message) -> dispatches an error event
  #attached = false;   // attach()'s task ran: failures are reported as they happen
  #live = new Map();   // id -> record: this client's unsettled messages
  #claimed = null;     // records found when the lock was granted, not yet restored
  #writes = Promise.resolve();
  #n = 0;

  constructor(key) { this.#key = key; }

  /**
   * Opens the store `key`; never rejects: a failure is kept and reported
   * once the client is attached. Takes the lock if it is free.
   */
  static async open(key) {
    const store = new OutboxStore(key);
    try {
      if (!globalThis.navigator?.locks) throw new DOMException('Web Locks are not available here.', 'NotSupportedError');
      // The database and the lock are asked for together: each is a round
      // trip to the browser process, and the chat connects only after both
      // (the first open of a fresh context took 30-65 ms on the chat page in
      // Chromium, the lock 3-45 ms more). Both settle before open() returns,
      // so that a failure of one releases the other.
      store.#opening = openDatabase().then((db) => {
        store.#db = db;
        db.onversionchange = () => store.#fail(new DOMException('The database was replaced.', 'VersionError'));
      });
      const settled = await Promise.allSettled([store.#opening, store.#lock()]);
      const failed = settled.find((outcome) => outcome.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (error) {
      store.#fail(error);
    }
    return store;
  }

  #opening = null;

  #failure = null;

  /** on (this page holds the store) | waiting (another page does) | failed (in memory). */
  get state() { return this.#state; }

  /**
   * Connects it to its client: `restore(id, text)` re-enqueues a stored
   * message (returns null or a refusal), `report(code, message)` dispatches
   * an error event. What was found stored is restored at once, before the
   * client can receive anything (a welcome's history must find them in the
   * outbox to recognise them as ours); a failure is reported in the next
   * task, so that listeners added right after createChatClient() resolved
   * see it.
   */
  attach({ restore, report }) {
    this.#restoreHere = restore;
    this.#report = report;
    this.#restoreClaimed();
    setTimeout(() => {
      this.#attached = true;
      if (this.#failure) this.#report(STORAGE_UNAVAILABLE, `Messages are kept in memory only: ${describe(this.#failure)}`);
    }, 0);
  }

  /** Follows one own-message event of the client (`detail` of `message` with own: true). */
  ownMessage({ id, text, state }) {
    if (state === 'queued' && text) {
      const record = { store: this.#key, id, text, time: Date.now(), n: this.#n++ };
      this.#live.set(id, record);
      if (this.#state === 'on') this.#write((messages) => messages.put(record));
    } else if (state === 'delivered' || state === 'failed') {
      this.#live.delete(id);
      if (this.#state === 'on') this.#write((messages) => messages.delete([this.#key, id]));
    }
  }

  /** The client closed for good: release the lock once the last writes are done. */
  close() {
    if (this.#closing) return;
    this.#closing = true;
    this.#abort.abort();
    // The failed reports of the close come right after it, in the same call:
    // their deletes go out before the lock is released.
    setTimeout(() => this.#writes.finally(() => {
      this.#release?.();
      this.#db?.close();
    }), 0);
  }

  #closing = false;

  async #lock() {
    const name = `${DATABASE} ${this.#key}`;
    const held = (lock) => {
      if (!lock) return null;
      return new Promise((resolve) => {
        this.#release = resolve;
        this.#granted();
      });
    };
    let got = false;
    await new Promise((resolve, reject) => {
      navigator.locks.request(name, { ifAvailable: true }, (lock) => {
        got = lock !== null;
        resolve();
        return held(lock);
      }).catch(reject);
    });
    if (got) return this.#claimedReady;
    // Held by another page: queue for it, and take over when it is granted.
    navigator.locks.request(name, { signal: this.#abort.signal }, held).catch(() => {});
    return undefined;
  }

  #claimedReady = null;

  /** The lock is ours: read what is stored, then mirror this client's messages. */
  #granted() {
    if (this.#closing || this.#state === 'failed') {
      this.#release();
      return;
    }
    this.#claimedReady = this.#read().then((records) => {
      if (this.#closing || this.#state === 'failed') {
        this.#release();
        return;
      }
      this.#claimed = records;
      this.#state = 'on';
      // Messages this page queued while it waited for the lock.
      for (const record of this.#live.values()) this.#write((messages) => messages.put(record));
      if (this.#restoreHere) this.#restoreClaimed();
    }, (error) => this.#fail(error));
  }

  async #read() {
    await this.#opening;
    const transaction = this.#db.transaction(MESSAGES, 'readonly');
    const range = IDBKeyRange.bound([this.#key], [this.#key, []]);
    const records = await done(transaction.objectStore(MESSAGES).getAll(range));
    return records.sort((a, b) => a.time - b.time || a.n - b.n);
  }

  #restoreClaimed() {
    const records = this.#claimed ?? [];
    this.#claimed = null;
    for (const { id, text } of records) {
      // Refused (outbox full, client closed): it stays stored for a later page.
      this.#restoreHere(id, text);
    }
  }

  #write(change) {
    let transaction;
    try {
      transaction = this.#db.transaction(MESSAGES, 'readwrite');
      change(transaction.objectStore(MESSAGES));
    } catch (error) {
      this.#fail(error);
      return;
    }
    const written = done(transaction, () => undefined).catch((error) => this.#fail(error));
    this.#writes = this.#writes.then(() => written);
  }

  #fail(error) {
    if (this.#state === 'failed') return;
    this.#state = 'failed';
    this.#failure = error;
    this.#abort.abort();
    this.#release?.();
    // Before attach()'s task, that task reports it.
    if (this.#attached) this.#report(STORAGE_UNAVAILABLE, `Messages are kept in memory only: ${describe(error)}`);
  }
}
