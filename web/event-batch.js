// Reads the batches through which the C++ chat reports (src/chat/event_batch.hpp:
// the layout, and the one table of each record's fields). The decoder is built
// from the layout the module describes (wasmchat_chat_layout), by interpreting
// it: no generated code, so strict CSP pages keep working. Imported by the
// chat only, so that the wasmchat/websocket entry does not carry it.
import { wasm } from './module.js';

// ignoreBOM: a leading U+FEFF is text, not a byte-order mark to drop.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Field readers by kind; `at` is the byte offset, `text` the cursor into the decoded text. */
const kinds = {
  number: (cursor) => { const value = cursor.view.getFloat64(cursor.at, true); cursor.at += 8; return value; },
  nullable: (cursor) => {
    const value = cursor.view.getFloat64(cursor.at, true);
    cursor.at += 8;
    return Number.isNaN(value) ? null : value;
  },
  boolean: (cursor) => cursor.view.getUint8(cursor.at++) !== 0,
  string: (cursor) => {
    const units = cursor.view.getUint32(cursor.at, true);
    cursor.at += 4;
    const value = cursor.text.slice(cursor.textAt, cursor.textAt + units);
    cursor.textAt += units;
    return value;
  },
};

/** A reader for one record: builds `{ type, ...fields }` in table order. */
function recordReader({ type, class: kind, fields }) {
  const steps = fields.map(({ name, kind: fieldKind, values, value }) => {
    if (fieldKind === 'constant') return [name, () => value];
    if (fieldKind === 'choice') return [name, (cursor) => values[cursor.view.getUint8(cursor.at++)]];
    const read = kinds[fieldKind];
    if (!read) throw new Error(`wasmchat: unknown field kind ${fieldKind} in the batch layout`);
    return [name, read];
  });
  return {
    kind,
    read(cursor) {
      const record = { type };
      for (const [name, read] of steps) record[name] = read(cursor);
      return record;
    },
  };
}

/**
 * Builds a function that reads the batch at `pointer` in `heap` (Uint8Array) into
 * `{ events, result, requests }`: everything is decoded (the text with one
 * TextDecoder call) before anything is dispatched, so listeners may call into
 * the chat again. `layout` is the JSON of describe_batch_layout().
 */
function batchReader(layout) {
  const readers = [];
  for (const record of JSON.parse(layout).records) readers[record.tag] = recordReader(record);
  return (heap, pointer) => {
    const view = new DataView(heap.buffer, heap.byteOffset + pointer);
    const recordsBytes = view.getUint32(0, true);
    const textBytes = view.getUint32(4, true);
    const textStart = pointer + 8 + recordsBytes;
    const text = textBytes ? decoder.decode(heap.subarray(textStart, textStart + textBytes)) : '';
    const cursor = { view, at: 8, text, textAt: 0 };
    const batch = { events: [], result: null, requests: [] };
    while (cursor.at < 8 + recordsBytes) {
      const reader = readers[view.getUint8(cursor.at++)];
      const record = reader.read(cursor);
      if (reader.kind === 'event') batch.events.push(record);
      else if (reader.kind === 'request') batch.requests.push(record);
      else if (record.type === 'created') batch.handle = record.handle;
      else batch.result = record;
    }
    return batch;
  };
}

let readChatBatch = null;

/**
 * The chat batch at `pointer` in the module's heap, read whole:
 * `{ events, result, requests, handle? }`. To be called before the next call
 * into the chat, which reuses the buffer.
 */
export function readBatch(pointer) {
  const heap = wasm.HEAPU8;
  if (!readChatBatch) {
    const layout = wasm._wasmchat_chat_layout();  // NUL-terminated
    readChatBatch = batchReader(decoder.decode(heap.subarray(layout, heap.indexOf(0, layout))));
  }
  return readChatBatch(heap, pointer);
}
