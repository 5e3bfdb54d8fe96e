// Imports only WasmWebSocket, from the module that `wasmchat/websocket`
// resolves to in the installed package (?entry=, resolved by the test), opens
// the chat's /ws with it and reports what it saw as window.result.
const entry = new URLSearchParams(location.search).get('entry');

window.result = (async () => {
  const module = await import(entry);
  await module.ready;
  const socket = new module.WasmWebSocket('/ws', ['wasmchat.v1']);
  socket.binaryType = 'arraybuffer';
  const first = await new Promise((resolve, reject) => {
    socket.onmessage = (event) => resolve(JSON.parse(event.data));
    socket.onclose = (event) => reject(new Error(`closed ${event.code} before the first message`));
  });
  const opened = { readyState: socket.readyState, protocol: socket.protocol, url: socket.url };
  const closed = new Promise((resolve) => { socket.onclose = (event) => resolve(event.code); });
  socket.close(1000);
  return {
    exports: Object.keys(module).sort(),
    name: module.WasmWebSocket.name,
    isWebSocketLike: module.WasmWebSocket.OPEN === WebSocket.OPEN,
    ...opened,
    first: first.type,
    closeCode: await closed,
  };
})();
