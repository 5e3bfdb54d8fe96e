// The shape of the class and its instances: constants, attributes and their
// values over the lifecycle, EventTarget inheritance, event handler properties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEntry } from './harness.js';

describeEachEntry('API surface', (h) => {

  test('CONNECTING/OPEN/CLOSING/CLOSED are read-only constants on the class and the prototype', async () => {
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const names = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
      const descriptors = (o) => Object.fromEntries(names.map((n) => {
        const d = Object.getOwnPropertyDescriptor(o, n);
        return [n, d && { value: d.value, writable: d.writable, enumerable: d.enumerable, configurable: d.configurable }];
      }));
      const ws = new ctor(h.url('/echo'));
      const result = {
        onClass: descriptors(ctor),
        onPrototype: descriptors(ctor.prototype),
        onInstance: Object.fromEntries(names.map((n) => [n, ws[n]])),
        ownInstanceProperties: Object.getOwnPropertyNames(ws),
      };
      // Scenarios run as sloppy script, where writes to read-only properties are silently ignored.
      ctor.OPEN = 42;
      ws.CLOSED = 42;
      result.afterAssignment = { classOPEN: ctor.OPEN, instanceCLOSED: ws.CLOSED };
      await h.waitFor(ws, 'open');
      await h.closeAndWait(ws);
      return result;
    });
    assert.deepStrictEqual(wasm, native);
    const constant = (value) => ({ value, writable: false, enumerable: true, configurable: false });
    const expected = { CONNECTING: constant(0), OPEN: constant(1), CLOSING: constant(2), CLOSED: constant(3) };
    assert.deepStrictEqual(native.onClass, expected);
    assert.deepStrictEqual(native.onPrototype, expected);
    assert.deepStrictEqual(native.onInstance, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
    assert.deepStrictEqual(native.ownInstanceProperties, []);
    assert.deepStrictEqual(native.afterAssignment, { classOPEN: 1, instanceCLOSED: 3 });
  });

  test('the constructor: length 1, requires new, instances are EventTargets', async () => {
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const ws = new ctor(h.url('/echo'));
      const result = {
        typeofCtor: typeof ctor,
        length: ctor.length,
        instanceOfCtor: ws instanceof ctor,
        instanceOfEventTarget: ws instanceof EventTarget,
        withoutNew: h.attempt(() => ctor(h.url('/echo'))),
      };
      await h.waitFor(ws, 'open');
      await h.closeAndWait(ws);
      return result;
    });
    assert.deepStrictEqual(wasm, native);
    assert.equal(native.typeofCtor, 'function');
    assert.equal(native.length, 1);
    assert.equal(native.instanceOfCtor, true);
    assert.equal(native.instanceOfEventTarget, true);
    assert.deepStrictEqual(native.withoutNew,
      { threw: true, name: 'TypeError', isDOMException: false, isTypeError: true, code: null });
  });

  test('attribute values through CONNECTING, OPEN, CLOSING and CLOSED', async () => {
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const snapshot = (ws) => ({
        url: ws.url, protocol: ws.protocol, extensions: ws.extensions,
        readyState: ws.readyState, bufferedAmount: ws.bufferedAmount, binaryType: ws.binaryType,
      });
      const ws = new ctor(h.url('/echo?room=1'));
      const states = { connecting: snapshot(ws) };
      await h.waitFor(ws, 'open');
      states.open = snapshot(ws);
      const closed = h.waitFor(ws, 'close');
      ws.close();
      states.closing = snapshot(ws);
      await closed;
      states.closed = snapshot(ws);
      return states;
    });
    assert.deepStrictEqual(wasm, native);
    const common = {
      url: `${h.server.wsOrigin}/echo?room=1`,
      // The server turns permessage-deflate off, so nothing is negotiated.
      protocol: '', extensions: '', bufferedAmount: 0, binaryType: 'blob',
    };
    assert.deepStrictEqual(native.connecting, { ...common, readyState: 0 });
    assert.deepStrictEqual(native.open, { ...common, readyState: 1 });
    assert.deepStrictEqual(native.closing, { ...common, readyState: 2 });
    assert.deepStrictEqual(native.closed, { ...common, readyState: 3 });
  });

  test('read-only attributes ignore assignment', async () => {
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const ws = await h.open(ctor, h.url('/echo'));
      const before = [ws.url, ws.protocol, ws.extensions, ws.readyState, ws.bufferedAmount];
      ws.url = 'ws://elsewhere/';
      ws.protocol = 'x';
      ws.extensions = 'x';
      ws.readyState = 3;
      ws.bufferedAmount = 99;
      const after = [ws.url, ws.protocol, ws.extensions, ws.readyState, ws.bufferedAmount];
      await h.closeAndWait(ws);
      return { unchanged: JSON.stringify(before) === JSON.stringify(after), after };
    });
    assert.deepStrictEqual(wasm, native);
    assert.equal(native.unchanged, true);
  });

  // WebIDL attributes are enumerable accessors on the prototype; a plain JS
  // class getter is not enumerable, so for...in over a socket would differ.
  test('attributes are WebIDL-style accessors on the prototype', async () => {
    const { native, wasm } = await h.both(async ({ ctor }) => {
      const names = ['url', 'readyState', 'bufferedAmount', 'extensions', 'protocol', 'binaryType',
        'onopen', 'onmessage', 'onerror', 'onclose'];
      return {
        descriptors: Object.fromEntries(names.map((n) => {
          const d = Object.getOwnPropertyDescriptor(ctor.prototype, n);
          return [n, d ? { getter: typeof d.get, setter: typeof d.set, enumerable: d.enumerable, configurable: d.configurable } : 'missing'];
        })),
      };
    });
    assert.deepStrictEqual(wasm, native);
    const readonly = { getter: 'function', setter: 'undefined', enumerable: true, configurable: true };
    const writable = { ...readonly, setter: 'function' };
    assert.deepStrictEqual(native.descriptors, {
      url: readonly, readyState: readonly, bufferedAmount: readonly, extensions: readonly, protocol: readonly,
      binaryType: writable, onopen: writable, onmessage: writable, onerror: writable, onclose: writable,
    });
  });

  // WebIDL brand checks: an accessor or method called on something that is
  // not a socket of the class throws a TypeError before looking at anything.
  test('accessors and methods on the prototype throw TypeError for a foreign this', async () => {
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const foreign = { 'a plain object': {}, 'an object inheriting the prototype': Object.create(ctor.prototype) };
      const proto = ctor.prototype;
      const calls = {};
      for (const name of ['url', 'readyState', 'bufferedAmount', 'extensions', 'protocol', 'binaryType',
        'onopen', 'onmessage', 'onerror', 'onclose']) {
        const { get, set } = Object.getOwnPropertyDescriptor(proto, name);
        calls[`get ${name}`] = (self) => get.call(self);
        if (set) calls[`set ${name}`] = (self) => set.call(self, name === 'binaryType' ? 'not a binary type' : null);
      }
      calls['set binaryType to a valid value'] = (self) => Object.getOwnPropertyDescriptor(proto, 'binaryType').set.call(self, 'arraybuffer');
      calls['set onopen to a function'] = (self) => Object.getOwnPropertyDescriptor(proto, 'onopen').set.call(self, () => {});
      calls["send('x')"] = (self) => proto.send.call(self, 'x');
      calls['send()'] = (self) => proto.send.call(self);
      calls['close()'] = (self) => proto.close.call(self);
      calls["close(1, 'x')"] = (self) => proto.close.call(self, 1, 'x');
      const results = {};
      for (const [label, self] of Object.entries(foreign)) {
        for (const [call, run] of Object.entries(calls)) results[`${call} on ${label}`] = h.attempt(() => run(self));
      }
      const accessorNames = Object.fromEntries(['onopen', 'binaryType', 'url'].map((name) => {
        const { get, set } = Object.getOwnPropertyDescriptor(proto, name);
        return [name, { get: get.name, set: set?.name ?? null, setLength: set?.length ?? null }];
      }));
      return { results, accessorNames };
    });
    assert.deepStrictEqual(wasm, native);
    const typeError = { threw: true, name: 'TypeError', isDOMException: false, isTypeError: true, code: null };
    for (const [call, result] of Object.entries(native.results)) assert.deepStrictEqual(result, typeError, call);
    assert.deepStrictEqual(native.accessorNames.onopen, { get: 'get onopen', set: 'set onopen', setLength: 1 });
  });

  // The minifier renames the class; WebIDL interfaces keep their name.
  test('WasmWebSocket.name is "WasmWebSocket" in the minified dist/index.js', async () => {
    const found = await h.page.evaluate(() => {
      const descriptor = Object.getOwnPropertyDescriptor(window.WasmWebSocket, 'name');
      return { value: descriptor.value, writable: descriptor.writable, enumerable: descriptor.enumerable,
        configurable: descriptor.configurable, nativeName: WebSocket.name };
    });
    assert.deepStrictEqual(found, { value: 'WasmWebSocket', writable: false, enumerable: false, configurable: true,
      nativeName: 'WebSocket' });
  });

  test('onopen/onmessage/onerror/onclose default to null and are settable', async () => {
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const ws = new ctor(h.url('/echo'));
      const result = {};
      for (const name of ['onopen', 'onmessage', 'onerror', 'onclose']) {
        const seen = { default: ws[name] };
        const f = () => {};
        ws[name] = f;
        seen.functionKept = ws[name] === f;
        // EventHandler is [LegacyTreatNonObjectAsNull]: non-objects become null,
        // any object (even a non-callable one) is stored as is.
        ws[name] = 'not a function';
        seen.string = ws[name];
        const o = {};
        ws[name] = o;
        seen.objectKept = ws[name] === o;
        ws[name] = f;
        ws[name] = undefined;
        seen.undefined = ws[name];
        result[name] = seen;
      }
      await h.waitFor(ws, 'open');
      await h.closeAndWait(ws);
      return { handlers: result };
    });
    assert.deepStrictEqual(wasm, native);
    const expected = { default: null, functionKept: true, string: null, objectKept: true, undefined: null };
    assert.deepStrictEqual(native.handlers, {
      onopen: expected, onmessage: expected, onerror: expected, onclose: expected,
    });
  });
});
