// binaryType: its default, which assignments it ignores, and what it makes
// binary messages arrive as.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEntry, text, binary } from './harness.js';

describeEachEntry('binaryType', (h) => {

  test("defaults to 'blob' and ignores values outside the BinaryType enum", async () => {
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const ws = new ctor(h.url('/echo'));
      const seen = [['default', ws.binaryType]];
      // Assigning a string outside an IDL enum is silently ignored, not thrown.
      for (const value of ['text', '', 'ARRAYBUFFER', null, undefined, 'arraybuffer', 'Blob', 'blob', 'arraybuffer ']) {
        const outcome = h.attempt(() => { ws.binaryType = value; });
        seen.push([String(value), ws.binaryType, outcome.threw]);
      }
      await h.waitFor(ws, 'open');
      await h.closeAndWait(ws);
      return { seen };
    });
    assert.deepStrictEqual(wasm, native);
    assert.deepStrictEqual(native.seen, [
      ['default', 'blob'],
      ['text', 'blob', false],
      ['', 'blob', false],
      ['ARRAYBUFFER', 'blob', false],
      ['null', 'blob', false],
      ['undefined', 'blob', false],
      ['arraybuffer', 'arraybuffer', false],
      ['Blob', 'arraybuffer', false],
      ['blob', 'blob', false],
      ['arraybuffer ', 'blob', false],
    ]);
  });

  test("'blob' yields a Blob and 'arraybuffer' an ArrayBuffer with the same bytes; text stays a string", async () => {
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const ws = await h.open(ctor, h.url('/echo'));
      const roundTrip = async (data) => { ws.send(data); return (await h.messages(ws, 1))[0]; };
      const got = {};
      got.defaultBinary = await roundTrip(new Uint8Array([1, 2, 250]));
      got.defaultText = await roundTrip('t');
      ws.binaryType = 'arraybuffer';
      got.arraybufferBinary = await roundTrip(new Uint8Array([3, 4]));
      got.arraybufferText = await roundTrip('u');
      ws.binaryType = 'blob';
      got.blobBinary = await roundTrip(new Uint8Array([5]));
      await h.closeAndWait(ws);
      return { got };
    });
    assert.deepStrictEqual(wasm, native);
    assert.deepStrictEqual(native.got, {
      defaultBinary: binary('Blob', [1, 2, 250]),
      defaultText: text('t'),
      arraybufferBinary: binary('ArrayBuffer', [3, 4]),
      arraybufferText: text('u'),
      blobBinary: binary('Blob', [5]),
    });
  });

  test('switching binaryType inside a message handler applies to the next message', async () => {
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const ws = await h.open(ctor, h.url('/echo'));
      const types = [];
      const flip = { blob: 'arraybuffer', arraybuffer: 'blob' };
      ws.onmessage = (e) => {
        types.push(e.data.constructor.name);
        ws.binaryType = flip[ws.binaryType];
      };
      const replies = h.messages(ws, 4);
      for (let i = 0; i < 4; i++) ws.send(new Uint8Array([i]));
      await replies;
      await h.closeAndWait(ws);
      return { types };
    });
    assert.deepStrictEqual(wasm, native);
    assert.deepStrictEqual(native.types, ['Blob', 'ArrayBuffer', 'Blob', 'ArrayBuffer']);
  });
});
