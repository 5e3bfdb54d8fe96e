// Event order, event classes and fields, and the EventTarget machinery
// (handler properties vs listeners, removal, once, exceptions in listeners).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEntry, text } from './harness.js';
import { connectionFailedLog } from './browsers.js';

// Fields shared by every event a WebSocket fires: none bubbles or is cancelable.
const base = { isEvent: true, targetIsSocket: true, currentTargetIsSocket: true, bubbles: false, cancelable: false };

describeEachEntry('events', (h) => {

  test('open -> message -> close, with their classes and fields', async () => {
    const { native, wasm, notes } = await h.both(async ({ ctor, h }) => {
      const ws = new ctor(h.url('/echo'));
      const rec = h.record(ws);
      await h.waitFor(ws, 'open');
      ws.send('ping');
      await h.waitFor(ws, 'message');
      await h.closeAndWait(ws, 1000, 'bye');
      return { events: await rec.events() };
    });
    assert.deepStrictEqual(wasm, native);
    assert.deepStrictEqual(native.events, [
      { ...base, type: 'open', class: 'Event', readyState: 1 },
      {
        ...base, type: 'message', class: 'MessageEvent', readyState: 1,
        // The origin of a WebSocket message is the socket URL's origin, not the page's.
        origin: h.server.wsOrigin, lastEventId: '', source: null, ports: 0, data: text('ping'),
      },
      { ...base, type: 'close', class: 'CloseEvent', readyState: 3, code: 1000, reason: 'bye', wasClean: true },
    ]);
    // Recorded but not compared: events a library dispatches from script are untrusted.
    assert.deepStrictEqual(notes.native.map((n) => n.isTrusted), [true, true, true]);
  });

  test('a failed handshake fires a plain Event named error, then close', async () => {
    h.allowConsoleErrors(connectionFailedLog('ws://.*/refuse'));
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const ws = new ctor(h.url('/refuse'));
      const rec = h.record(ws);
      await h.waitFor(ws, 'close');
      return { events: await rec.events() };
    });
    assert.deepStrictEqual(wasm, native);
    assert.deepStrictEqual(native.events, [
      { ...base, type: 'error', class: 'Event', readyState: 3 },
      { ...base, type: 'close', class: 'CloseEvent', readyState: 3, code: 1006, reason: '', wasClean: false },
    ]);
  });

  test('events are never dispatched synchronously from the constructor, send() or close()', async () => {
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const seen = [];
      const ws = new ctor(h.url('/echo'));
      for (const type of ['open', 'message', 'error', 'close']) ws.addEventListener(type, () => seen.push(type));
      const afterConstructor = seen.length;
      await h.waitFor(ws, 'open');
      ws.send('x');
      const afterSend = seen.length;
      await h.waitFor(ws, 'message');
      const closed = h.waitFor(ws, 'close');
      ws.close();
      const afterClose = seen.length;
      await closed;
      return { afterConstructor, afterSend, afterClose, seen };
    });
    assert.deepStrictEqual(wasm, native);
    assert.deepStrictEqual(native.seen, ['open', 'message', 'close']);
    assert.deepStrictEqual([native.afterConstructor, native.afterSend, native.afterClose], [0, 1, 2]);
  });

  test('handler property and listeners fire in registration order', async () => {
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const calls = [];
      const ws = new ctor(h.url('/echo'));
      ws.addEventListener('message', () => calls.push('listener A'));
      ws.onmessage = () => calls.push('handler 1');
      ws.addEventListener('message', () => calls.push('listener C'));
      await h.waitFor(ws, 'open');

      ws.send('first');
      await h.messages(ws, 1);
      calls.push('--');
      // Replacing a handler keeps the position of the first assignment (HTML
      // "event handler" processing); setting null removes it, so a later
      // assignment goes to the end of the list.
      ws.onmessage = () => calls.push('handler 2');
      ws.send('second');
      await h.messages(ws, 1);
      calls.push('--');
      ws.onmessage = null;
      ws.onmessage = () => calls.push('handler 3');
      ws.send('third');
      await h.messages(ws, 1);
      await h.closeAndWait(ws);
      return { calls };
    });
    assert.deepStrictEqual(wasm, native);
    assert.deepStrictEqual(native.calls, [
      'listener A', 'handler 1', 'listener C', '--',
      'listener A', 'handler 2', 'listener C', '--',
      'listener A', 'listener C', 'handler 3',
    ]);
  });

  test('every handler property is called with the event', async () => {
    h.allowConsoleErrors(connectionFailedLog('ws://.*/refuse'));
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const calls = [];
      const attach = (ws) => {
        for (const type of ['open', 'message', 'error', 'close']) {
          ws[`on${type}`] = function (e) { calls.push({ type: e.type, thisIsSocket: this === ws, targetIsSocket: e.target === ws }); };
        }
      };
      const ws = new ctor(h.url('/echo'));
      attach(ws);
      await h.waitFor(ws, 'open');
      ws.send('x');
      await h.waitFor(ws, 'message');
      await h.closeAndWait(ws);
      const refused = new ctor(h.url('/refuse'));
      attach(refused);
      await h.waitFor(refused, 'close');
      return { calls };
    });
    assert.deepStrictEqual(wasm, native);
    const call = (type) => ({ type, thisIsSocket: true, targetIsSocket: true });
    assert.deepStrictEqual(native.calls, [call('open'), call('message'), call('close'), call('error'), call('close')]);
  });

  test('removeEventListener, { once: true }, duplicate listeners and handleEvent objects', async () => {
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const calls = [];
      const ws = new ctor(h.url('/echo'));
      const removed = () => calls.push('removed');
      ws.addEventListener('message', removed);
      ws.removeEventListener('message', removed);
      ws.addEventListener('message', () => calls.push('once'), { once: true });
      const dup = () => calls.push('dup');
      ws.addEventListener('message', dup);
      ws.addEventListener('message', dup);
      ws.addEventListener('message', { handleEvent(e) { calls.push(`handleEvent ${e.data}`); } });
      // Removal during dispatch takes effect for the current event too.
      const later = () => calls.push('later');
      ws.addEventListener('message', () => ws.removeEventListener('message', later), { once: true });
      ws.addEventListener('message', later);
      await h.waitFor(ws, 'open');
      ws.send('1');
      await h.messages(ws, 1);
      ws.send('2');
      await h.messages(ws, 1);
      await h.closeAndWait(ws);
      return { calls };
    });
    assert.deepStrictEqual(wasm, native);
    assert.deepStrictEqual(native.calls, ['once', 'dup', 'handleEvent 1', 'dup', 'handleEvent 2']);
  });

  test('a throwing listener is reported to window and does not stop the others', async () => {
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const calls = [];
      let error = 'not reported';
      // Listener exceptions are reported synchronously, during dispatch.
      // Cancelling the ErrorEvent keeps the expected exception out of the console.
      window.addEventListener('error', (e) => { e.preventDefault(); error = e.error?.message; }, { once: true });
      const ws = new ctor(h.url('/echo'));
      ws.addEventListener('open', () => { calls.push('first'); throw new Error('boom'); });
      ws.addEventListener('open', () => calls.push(`second, error ${error}`));
      await h.waitFor(ws, 'open');
      await h.closeAndWait(ws);
      return { calls, error };
    });
    assert.deepStrictEqual(wasm, native);
    assert.deepStrictEqual(native.calls, ['first', 'second, error boom']);
    assert.equal(native.error, 'boom');
  });

  test('messages sent before the server closes are all delivered before close', async () => {
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const ws = new ctor(h.url('/send-then-close'));
      ws.binaryType = 'arraybuffer';
      const rec = h.record(ws);
      await h.waitFor(ws, 'close');
      return { events: (await rec.events()).map((e) => e.type) };
    });
    assert.deepStrictEqual(wasm, native);
    assert.deepStrictEqual(native.events, ['open', 'message', 'message', 'message', 'close']);
  });
});
