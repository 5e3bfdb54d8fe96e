// The package's types as a TypeScript consumer sees them: consumer/main.ts is
// compiled with `tsc --strict --noEmit` in a fresh project where 'wasmchat' is
// the INSTALLED tarball (never the source tree), with moduleResolution bundler
// and node16. Its `// @ts-expect-error` lines must each be needed. Every check
// runs with TypeScript 7 and with 5.9, the line most projects use (7 is more
// lenient with `this` types in handlers).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { packAndInstall, here, repoRoot } from './helpers.js';

const run = promisify(execFile);
let pkg;

before(async () => {
  pkg = await packAndInstall();
  fs.mkdirSync(path.join(pkg.project, 'src'));
  for (const file of ['main.ts', 'drop-in.ts', 'websocket-entry.ts']) {
    fs.copyFileSync(path.join(here, 'consumer', file), path.join(pkg.project, 'src', file));
  }
});

after(() => pkg?.cleanup());

function writeTsconfig(name, moduleResolution, files) {
  const config = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: 'es2022',
      module: moduleResolution === 'bundler' ? 'esnext' : moduleResolution,
      moduleResolution,
      lib: ['dom', 'es2022'],
      types: [],
      skipLibCheck: false, // the package's index.d.ts is checked too
    },
    files,
  };
  fs.writeFileSync(path.join(pkg.project, name), JSON.stringify(config, null, 2));
  return name;
}

// By package path: both packages install a `tsc` into node_modules/.bin.
const compilers = {
  'TypeScript 7': path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
  'TypeScript 5': path.join(repoRoot, 'node_modules', 'typescript5', 'bin', 'tsc'),
};

/** Runs `compiler`'s tsc in the temporary project; resolves with { code, output }. */
async function tsc(compiler, ...args) {
  try {
    const { stdout, stderr } = await run(process.execPath, [compilers[compiler], ...args],
      { cwd: pkg.project, timeout: 60_000, maxBuffer: 16 << 20 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    if (typeof error.code !== 'number') throw error;
    return { code: error.code, output: error.stdout + error.stderr };
  }
}

for (const compiler of Object.keys(compilers)) {
for (const moduleResolution of ['bundler', 'node16']) {
  test(`${compiler}: consumer/main.ts compiles with tsc --strict --noEmit (moduleResolution ${moduleResolution}) against the installed package`, async (t) => {
    const config = writeTsconfig(`tsconfig.${moduleResolution}.json`, moduleResolution, ['src/main.ts']);
    const { code, output } = await tsc(compiler, '-p', config, '--strict', '--noEmit', '--listFiles');
    const errors = output.split('\n').filter((line) => /error TS\d+/.test(line));
    assert.deepEqual(errors, [], 'type errors');
    assert.equal(code, 0, output);
    const files = output.split('\n').filter((line) => line.trim() && !/[\\/]lib\.[\w.]+\.d\.ts$/.test(line));
    t.diagnostic(`checked: ${files.map((f) => path.relative(pkg.project, f)).join(', ')}`);
    // The declarations came from the tarball, not from the repository.
    assert.ok(files.includes(path.join(pkg.installed, 'dist', 'index.d.ts')), `node_modules/wasmchat/dist/index.d.ts in ${files}`);
    assert.ok(!files.some((f) => f.startsWith(path.join(repoRoot, 'web')) || f.startsWith(path.join(repoRoot, 'dist'))));
  });
}
}

for (const compiler of Object.keys(compilers)) {
test(`${compiler}: the types reject misuse without @ts-expect-error (the check really runs against the package types)`, async () => {
  fs.writeFileSync(path.join(pkg.project, 'src', 'misuse.ts'), [
    "import { createChatClient, WasmWebSocket } from 'wasmchat';",
    'const client = await createChatClient({ server: 1 });',
    "const result = client.send('hi');",
    'console.log(result.id);',
    "client.addEventListener('message', (event) => console.log(event.detail.from));",
    "new WasmWebSocket('ws://x').send(42);",
    'export {};',
  ].join('\n'));
  const config = writeTsconfig('tsconfig.misuse.json', 'bundler', ['src/misuse.ts']);
  const { code, output } = await tsc(compiler, '-p', config);
  assert.notEqual(code, 0);
  const errors = output.split('\n').filter((line) => /error TS\d+/.test(line)).map((line) => line.replace(/^src\/misuse\.ts/, ''));
  assert.equal(errors.length, 4, output);
  assert.match(errors[0], /^\(2,/, 'server must be a string');
  assert.match(errors[1], /^\(4,.*'id'/, 'id exists only once ok is narrowed');
  assert.match(errors[2], /^\(5,.*'from'/, 'from exists only on messages that are not own');
  assert.match(errors[3], /^\(6,/, 'send takes no number');
});

// exports["./websocket"].types: the transport-only entry's declarations.
test(`${compiler}: wasmchat/websocket's types: WasmWebSocket and ready, no chat (consumer/websocket-entry.ts)`, async (t) => {
  for (const moduleResolution of ['bundler', 'node16']) {
    const config = writeTsconfig(`tsconfig.websocket.${moduleResolution}.json`, moduleResolution, ['src/websocket-entry.ts']);
    const { code, output } = await tsc(compiler, '-p', config, '--strict', '--noEmit', '--listFiles');
    assert.equal(code, 0, output);
    assert.ok(output.split('\n').includes(path.join(pkg.installed, 'dist', 'websocket.d.ts')), `dist/websocket.d.ts checked (${moduleResolution})`);
    t.diagnostic(`${moduleResolution}: ok`);
  }
});

// `const socket: WebSocket = new WasmWebSocket(url)`, handlers with `this`,
// and the class as a `typeof WebSocket` (issue 9: TypeScript 5 refused them).
test(`${compiler}: a WasmWebSocket is accepted where a WebSocket or a WebSocket constructor is expected (consumer/drop-in.ts)`, async () => {
  const config = writeTsconfig('tsconfig.drop-in.json', 'bundler', ['src/drop-in.ts']);
  const { code, output } = await tsc(compiler, '-p', config, '--strict', '--noEmit');
  assert.equal(code, 0, output);
});
}
