// Every process the harness starts goes through here, so that every one of them is stopped at
// the end: on success, on a failed scenario, on Ctrl-C (SIGINT/SIGTERM/SIGHUP) and, as a last
// resort, synchronously from the 'exit' handler. Children are started in their own process group
// (detached) and signalled by group, so nothing they start survives them either.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const running = new Set();
const exitHooks = [];

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `cmd args` as a tracked child. Its output is kept (last 64 KiB) for error messages and
 * echoed only with BENCH_VERBOSE=1. `ipc: true` opens an IPC channel (load workers).
 */
export function startProcess(name, cmd, args, { env = {}, cwd, ipc = false } = {}) {
  const child = spawn(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  const handle = {
    name,
    child,
    pid: child.pid,
    output: '',
    exited: false,
    exitCode: null,
    exitPromise: null,
    stop: (signal = 'SIGTERM', graceMs = 10_000) => stopProcess(handle, signal, graceMs),
  };
  const keep = (chunk) => {
    handle.output = (handle.output + chunk.toString()).slice(-65536);
    if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}] ${chunk}`);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  handle.exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      handle.exited = true;
      handle.exitCode = code ?? signal;
      running.delete(handle);
      resolve(handle.exitCode);
    });
    child.once('error', (err) => {
      handle.exited = true;
      handle.exitCode = String(err);
      handle.output += `\n${err}`;
      running.delete(handle);
      resolve(handle.exitCode);
    });
  });
  running.add(handle);
  return handle;
}

async function stopProcess(handle, signal, graceMs) {
  if (handle.exited) return handle.exitCode;
  signalGroup(handle.pid, signal);
  const timer = sleep(graceMs).then(() => 'timeout');
  if ((await Promise.race([handle.exitPromise, timer])) === 'timeout') {
    signalGroup(handle.pid, 'SIGKILL');
    await handle.exitPromise;
  }
  // The group may still hold grandchildren after the leader exited.
  signalGroup(handle.pid, 'SIGKILL');
  return handle.exitCode;
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** Polls `url` until it answers 200 (or the process exits, or the time is up). */
export async function waitForHttp(url, { timeoutMs = 30_000, intervalMs = 25, handle } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (handle?.exited) {
      throw new Error(`${handle.name} exited (${handle.exitCode}) before ${url} answered:\n${handle.output}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = String(err?.cause?.code ?? err);
    }
    await sleep(intervalMs);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})${handle ? `\n${handle.output}` : ''}`);
}

/**
 * Runs `fn` once at cleanup (e.g. stopping the embedded database), after the children. `syncFn`
 * is the last resort from the 'exit' handler when `fn` did not finish (e.g. a signal mid-stop).
 */
export function onCleanup(fn, syncFn) {
  exitHooks.push({ fn, syncFn, finished: false });
}

let stopping;
/**
 * Stops every tracked child (in reverse start order), then the cleanup hooks. Idempotent: a
 * second call (the signal handler and the main flow's `finally`) waits for the same stop.
 */
export function stopAll() {
  stopping ??= (async () => {
    for (const h of [...running].reverse()) await h.stop().catch(() => undefined);
    for (const hook of [...exitHooks].reverse()) {
      await Promise.resolve()
        .then(hook.fn)
        .then(() => (hook.finished = true))
        .catch((err) => console.error(`cleanup failed: ${err}`));
    }
  })();
  return stopping;
}

/** True once a signal asked the bench to stop: the main flow starts no further scenario. */
export let aborted = false;

/** Ctrl-C and friends: stop everything, then exit. The 'exit' handler is the synchronous backstop. */
export function installSignalHandlers() {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      if (aborted) return;
      aborted = true;
      console.error(`\n${sig}: stopping every process the bench started...`);
      stopAll().finally(() => process.exit(130));
    });
  }
  process.on('exit', () => {
    for (const h of running) signalGroup(h.pid, 'SIGKILL');
    for (const hook of exitHooks) if (!hook.finished && hook.syncFn) hook.syncFn();
  });
}

/** Resident set size now and the high-water mark of a live process, in MiB (Linux /proc). */
export function readRss(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
  } catch {
    return { rssMiB: NaN, hwmMiB: NaN };
  }
}

/** CPU seconds (user + system) a live process has used (Linux /proc; clock ticks of 10 ms). */
export function readCpu(pid) {
  const { user, sys } = readCpuSplit(pid);
  return user + sys;
}

export function readCpuSplit(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(f[11]) / 100, sys: Number(f[12]) / 100 };
  } catch {
    return { user: NaN, sys: NaN };
  }
}

/**
 * CPU seconds of a postmaster's backends: those alive now plus those that exited (the
 * postmaster's cutime/cstime, which counts the children it reaped).
 */
export function readChildrenCpu(ppid) {
  let total = 0;
  try {
    const stat = readFileSync(`/proc/${ppid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return NaN;
  }
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) === ppid) total += (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      /* exited meanwhile */
    }
  }
  return total;
}
