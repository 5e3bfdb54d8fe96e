// The wasm bytes, when they are bundled into the JS (the single-file embed,
// scripts/bundle-single-file.mjs replaces this module). In the package they
// are not: the module fetches wasmchat.wasm instead.
export const wasmBinary = undefined;
