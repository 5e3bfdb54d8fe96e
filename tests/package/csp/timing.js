// Measures, in this page, the time from import() of the package's entry
// (?entry=single or multi) to the chat client's `open` event.
const entries = {
  single: '/node_modules/wasmchat/dist/wasmchat.single.js',
  multi: '/node_modules/wasmchat/dist/index.js',
};
const entry = entries[new URLSearchParams(location.search).get('entry')];

window.timing = (async () => {
  const start = performance.now();
  const { createChatClient } = await import(entry);
  const imported = performance.now();
  const client = await createChatClient({ server: '/ws' });
  const created = performance.now();
  const opened = await new Promise((resolve, reject) => {
    client.addEventListener('open', () => resolve(performance.now()), { once: true });
    client.addEventListener('close', ({ detail }) => reject(new Error(`closed ${detail.code} before open`)), { once: true });
  });
  client.close();
  return { importMs: imported - start, createMs: created - start, openMs: opened - start };
})();
