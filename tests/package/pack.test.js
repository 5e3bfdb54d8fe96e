// What `npm pack` ships (dist/ as built, README.md, LICENSE) and that the
// installed copy is self-contained: every export, side-effect path and
// relative import resolves inside it. Reports the tarball's sizes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { packAndInstall, repoRoot } from './helpers.js';

let pkg;

before(async () => {
  pkg = await packAndInstall();
});

after(() => pkg?.cleanup());

const EXPECTED_FILES = [
  'LICENSE', 'README.md', 'package.json',
  'dist/index.d.ts', 'dist/index.js', 'dist/wasmchat.single.js', 'dist/wasmchat.wasm',
  'dist/websocket.d.ts', 'dist/websocket.js', 'dist/wasmchat-websocket.wasm',
];

test('npm pack ships dist/, README.md and LICENSE, nothing else (sizes reported)', (t) => {
  const { packInfo } = pkg;
  t.diagnostic(`npm pack: ${packInfo.filename} ${packInfo.size} B packed (tarball), ${packInfo.unpackedSize} B unpacked, ` +
    `${packInfo.entryCount ?? packInfo.files.length} files`);
  for (const file of [...packInfo.files].sort((a, b) => b.size - a.size)) t.diagnostic(`  ${file.path} ${file.size} B`);
  assert.deepEqual(packInfo.files.map((f) => f.path).sort(), [...EXPECTED_FILES].sort());
  assert.equal(fs.statSync(pkg.tarball).size, packInfo.size, 'the real tarball is the size the dry run announced');
  assert.equal(packInfo.bundled.length, 0);
  assert.equal(packInfo.name, 'wasmchat');
});

test('the installed package is the built dist/, byte for byte', () => {
  for (const file of EXPECTED_FILES.filter((f) => f.startsWith('dist/'))) {
    assert.ok(fs.readFileSync(path.join(pkg.installed, file)).equals(fs.readFileSync(path.join(repoRoot, file))), file);
  }
});

test('every export, types entry and side-effect path of the installed package.json exists', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(pkg.installed, 'package.json'), 'utf8'));
  const targets = [manifest.types];
  for (const value of Object.values(manifest.exports)) {
    targets.push(...(typeof value === 'string' ? [value] : Object.values(value)));
  }
  targets.push(...manifest.sideEffects);
  for (const target of targets) assert.ok(fs.existsSync(path.join(pkg.installed, target)), `${target} is in the package`);
  assert.deepEqual(Object.keys(manifest.dependencies ?? {}), [], 'no dependencies to install');
  assert.equal(manifest.type, 'module');
});

test('every relative import and the wasm URL in the installed dist resolve inside the package', () => {
  const dist = path.join(pkg.installed, 'dist');
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    assert.ok(fs.existsSync(file), `${path.relative(pkg.installed, file)} is imported but missing`);
    const source = fs.readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(/(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]/g)) {
      visit(path.resolve(path.dirname(file), specifier));
    }
    for (const [, name] of source.matchAll(/new URL\(\s*['"]([^'"]+\.wasm)['"]\s*,\s*import\.meta\.url\s*\)/g)) {
      assert.ok(fs.existsSync(path.resolve(path.dirname(file), name)), `${name} next to ${path.basename(file)}`);
    }
  };
  visit(path.join(dist, 'index.js'));
  visit(path.join(dist, 'websocket.js'));
  // The entries' graphs are every shipped module but the single-file build: no
  // file is shipped unused, none is missing.
  const modules = fs.readdirSync(dist).filter((f) => f.endsWith('.js') && f !== 'wasmchat.single.js');
  assert.deepEqual([...seen].map((f) => path.relative(dist, f)).sort(), modules.sort());
  // The single file stands alone: no import of anything.
  const single = fs.readFileSync(path.join(dist, 'wasmchat.single.js'), 'utf8');
  assert.doesNotMatch(single, /\bimport\b\s*[^(.\s]|\bimport\s*\(\s*['"]/, 'wasmchat.single.js imports nothing');
  // The wasm is inlined as base64 (its magic number \0asm encodes as AGFzbQ).
  assert.match(single, /"AGFzbQ[A-Za-z0-9+/]{1000,}=*"/, 'the wasm is inlined');
});
