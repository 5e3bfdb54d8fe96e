// Counts the crossings between JS and wasm in a page (crossings.test.js,
// chat-crossings.test.js): before the package is imported, countCrossings
// (run in the page) wraps WebAssembly.instantiate(Streaming) so that every
// export (JS -> wasm, `in`), every import (wasm -> JS, `out`) and every
// function taken from the table (callbacks into wasm, `in`) counts its calls
// in window.__crossings; the imports of src/bindings/event_sink.js count
// as `sink.<method>`.

export function countCrossings() {
  const counts = { in: {}, out: {} };
  window.__crossings = counts;
  const bump = (side, name) => { counts[side][name] = (counts[side][name] || 0) + 1; };
  const wrap = (side, name, fn) => function counted(...args) { bump(side, name); return fn.apply(this, args); };
  const wrapImports = (imports) => {
    const out = {};
    for (const [module, fields] of Object.entries(imports)) {
      out[module] = {};
      for (const [name, value] of Object.entries(fields)) {
        // Release builds minify import names; the imports of event_sink.js
        // are named by the sink method they call (`sink.chatEvents`).
        const method = typeof value === 'function' && /wasmchatSink["'\]]*\.(\w+)\(/.exec(String(value));
        out[module][name] = typeof value === 'function' ? wrap('out', method ? `sink.${method[1]}` : name, value) : value;
      }
    }
    return out;
  };
  const wrapInstance = (instance) => {
    const exports = {};
    for (const [name, value] of Object.entries(instance.exports)) {
      if (typeof value === 'function') exports[name] = wrap('in', name, value);
      else if (value instanceof WebAssembly.Table) {
        exports[name] = new Proxy(value, {
          get(target, key) {
            if (key === 'get') return (i) => { const f = target.get(i); return f && wrap('in', `table:${i}`, f); };
            const v = Reflect.get(target, key, target);
            return typeof v === 'function' ? v.bind(target) : v;
          },
        });
      } else exports[name] = value;
    }
    return { exports };
  };
  const { instantiate, instantiateStreaming } = WebAssembly;
  WebAssembly.instantiate = async (source, imports) => {
    const result = await instantiate.call(WebAssembly, source, wrapImports(imports));
    return result instanceof WebAssembly.Instance ? wrapInstance(result)
      : { module: result.module, instance: wrapInstance(result.instance) };
  };
  if (instantiateStreaming) {
    WebAssembly.instantiateStreaming = async (source, imports) => {
      const result = await instantiateStreaming.call(WebAssembly, source, wrapImports(imports));
      return { module: result.module, instance: wrapInstance(result.instance) };
    };
  }
}

/** The calls of one side (`in` or `out`) of a snapshot of window.__crossings. */
export const total = (side) => Object.values(side).reduce((a, b) => a + b, 0);

/** Calls into wasm from the table: callbacks (socket events, timers). */
export const callbacks = (side) => Object.entries(side).filter(([name]) => name.startsWith('table:'))
  .reduce((sum, [, count]) => sum + count, 0);
