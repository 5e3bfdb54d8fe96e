// Chromium as a plain process: no DevTools attached, so nothing serialises the
// page's WebSocket frames to a driver. Every process is tracked and killed
// (its whole process group, by id) when its run ends or the harness exits.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

const running = new Set();

/** `chromium --version`, e.g. "Chromium 156.0.8078.79 built on Debian GNU/Linux 12 (bookworm)". */
export function chromiumVersion() {
  try {
    return execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000 }).trim();
  } catch (error) {
    return `unknown (${error.message})`;
  }
}

/**
 * Starts Chromium on `url` with a fresh profile. Returns { pid, exited, stderrTail(), kill() }.
 */
export function launchChromium(url) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmchat-bench-profile-'));
  // detached: its own process group, so kill() reaches the renderers and the
  // zygote too, by group id.
  const child = spawn(CHROMIUM, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, url], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
  child.on('error', (error) => { stderr += `\nspawn error: ${error.message}`; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const handle = {
    pid: child.pid,
    exited,
    stderrTail: () => stderr,
    async kill() {
      running.delete(handle);
      signalGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 2000);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      clearTimeout(timer);
      // Stragglers of the group (renderers that outlive the browser process).
      signalGroup(child.pid, 'SIGKILL');
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
    },
    killSync() {
      signalGroup(child.pid, 'SIGKILL');
      try { fs.rmSync(profile, { recursive: true, force: true }); } catch { /* best effort */ }
    },
  };
  running.add(handle);
  return handle;
}

function signalGroup(pid, signal) {
  if (!pid) return;
  try { process.kill(-pid, signal); } catch { /* already gone */ }
}

/** Runs `body(chromium)` with Chromium open on `url`, and kills it afterwards, whatever happens. */
export async function withChromium(url, body) {
  const chromium = launchChromium(url);
  try {
    return await body(chromium);
  } finally {
    await chromium.kill();
  }
}

/** Kills every Chromium still running (harness exit, Ctrl-C). */
export function killAllChromium() {
  for (const handle of running) handle.killSync();
  running.clear();
}
