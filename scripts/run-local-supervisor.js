// The process supervisor of `make run` (scripts/run-local.js): starts each process with its output
// prefixed `[name]`, restarts one that dies as a service manager would, and stops them all in order.
'use strict';
const { spawn } = require('node:child_process');
const { clearTimeout } = require('node:timers');

/**
 * Restart policy, defaults applied here only:
 * - restartDelayMs: wait before the first restart of a process that died (default 12 s);
 * - the wait doubles for each further death within stableMs (default 60 s) of a start, up to
 *   maxDelayMs (default 60 s);
 * - after maxRapidRestarts (default 5) such deaths in a row the process is left down.
 */
const DEFAULTS = Object.freeze({ restartDelayMs: 12_000, stableMs: 60_000, maxDelayMs: 60_000, maxRapidRestarts: 5 });

function seconds(ms) {
  const s = ms / 1000;
  return Number.isInteger(s) ? `${s} s` : `${s.toFixed(1)} s`;
}

class Supervisor {
  /**
   * @param {object} options cwd; onFatal(name, how): a process started with `restart: false` died;
   *   the restart policy (see DEFAULTS); stdout and stderr: where the processes' output (prefixed)
   *   and the supervisor's own lines go (default: this process's).
   */
  constructor(options) {
    this.options = { ...DEFAULTS, stdout: process.stdout, stderr: process.stderr, ...options };
    this.entries = new Map();
    this.stopping = false;
  }

  /**
   * Starts a process and resolves once it printed a line matching `spec.ready` (at once without one);
   * rejects when it exits before that. spec: {name, command, args, env, ready, detached, restart}.
   * `detached` puts it in its own process group, so a terminal Ctrl-C does not reach it and it is
   * stopped last by stop() instead (Redis, the simulator, the local S3 server: what the workers use
   * while they drain).
   */
  start(spec) {
    const entry = { spec, child: undefined, startedAt: 0, rapidDeaths: 0, timer: undefined, started: false };
    this.entries.set(spec.name, entry);
    return this.spawn(entry);
  }

  spawn(entry) {
    const { spec } = entry;
    const child = spawn(spec.command, spec.args, {
      cwd: this.options.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: Boolean(spec.detached),
    });
    entry.child = child;
    entry.startedAt = Date.now();
    if (child.pid !== undefined) this.options.stdout.write(`[${spec.name}] started (pid ${child.pid})\n`);
    return new Promise((resolve, reject) => {
      let ready = !spec.ready;
      if (ready) {
        entry.started = true;
        resolve();
      }
      const onData = (stream) => (chunk) => {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          stream.write(`[${spec.name}] ${line}\n`);
          if (!ready && spec.ready.test(line)) {
            ready = true;
            entry.started = true;
            resolve();
          }
        }
      };
      child.stdout.on('data', onData(this.options.stdout));
      child.stderr.on('data', onData(this.options.stderr));
      child.on('exit', (code, signal) => {
        const how = String(code ?? signal);
        if (!ready) reject(new Error(`${spec.name} exited (${how}) before it was ready`));
        // A first start that fails is the caller's to handle (make run stops); later deaths are ours.
        if (!this.stopping && entry.started) this.died(entry, how);
      });
    });
  }

  /** A process died on its own: restart it after the policy's delay, or leave it down, or give up on everything. */
  died(entry, how) {
    const { name } = entry.spec;
    const { restartDelayMs, stableMs, maxDelayMs, maxRapidRestarts } = this.options;
    if (!entry.spec.restart) {
      this.options.onFatal(name, how);
      return;
    }
    entry.rapidDeaths = Date.now() - entry.startedAt < stableMs ? entry.rapidDeaths + 1 : 1;
    if (entry.rapidDeaths > maxRapidRestarts) {
      this.options.stderr.write(
        `[${name}] exited (${how}), ${entry.rapidDeaths} times in a row within ${seconds(stableMs)} of starting; not restarting it (the rest keeps running)\n`,
      );
      return;
    }
    const delay = Math.min(maxDelayMs, restartDelayMs * 2 ** (entry.rapidDeaths - 1));
    this.options.stderr.write(`[${name}] exited (${how}); restarting in ${seconds(delay)}\n`);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (this.stopping) return;
      this.options.stderr.write(`[${name}] restarting\n`);
      // A restart that dies before it is ready is one more death, handled by the exit listener.
      this.spawn(entry).catch(() => undefined);
    }, delay);
  }

  /**
   * Stops everything, in order: SIGTERM to every process not `detached` and wait for them (at most
   * `timeoutMs`; workers drain meanwhile), then SIGTERM to whatever is left (the detached ones: Redis,
   * the simulator, the local S3 server) and wait for it (at most 5 s); SIGKILL to anything still
   * left. Pending restarts are cancelled.
   */
  async stop(timeoutMs = 20_000) {
    this.stopping = true;
    const entries = [...this.entries.values()];
    for (const entry of entries) if (entry.timer) clearTimeout(entry.timer);
    const alive = (entry) => entry.child && entry.child.exitCode === null && entry.child.signalCode === null;
    const exited = (entry) => (alive(entry) ? new Promise((resolve) => entry.child.once('exit', resolve)) : Promise.resolve());
    const within = (ms, promises) => Promise.race([Promise.all(promises), new Promise((resolve) => setTimeout(resolve, ms).unref())]);
    const services = entries.filter((entry) => !entry.spec.detached);
    for (const entry of services) if (alive(entry)) entry.child.kill('SIGTERM');
    await within(timeoutMs, services.map(exited));
    const rest = entries.filter(alive);
    for (const entry of rest) entry.child.kill('SIGTERM');
    await within(5_000, rest.map(exited));
    for (const entry of entries.filter(alive)) entry.child.kill('SIGKILL');
  }
}

module.exports = { Supervisor, SUPERVISOR_DEFAULTS: DEFAULTS };
