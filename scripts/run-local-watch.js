// Shows `make run`'s fleet moving: one `[fleet] …` line whenever the layout changes. Per worker: its
// shards and sessions as the cluster places them (the ingress's GET /api/instances) and how many
// sessions its process runs (its own /health), or that it is down.
'use strict';
/* global fetch, AbortSignal */
const { clearTimeout } = require('node:timers');

async function getJson(url, headers = {}) {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(2_000) });
    return await response.json();
  } catch {
    return undefined;
  }
}

/** One line describing the fleet now. */
async function describe({ api, key, workers }) {
  const view = await getJson(`${api}/api/instances`, { Authorization: `Bearer ${key}` });
  if (!view || !Array.isArray(view.instances)) return 'ingress not answering';
  const registered = new Map(view.instances.map((instance) => [instance.instance_id, instance]));
  const ids = [...new Set([...workers.map((worker) => worker.id), ...registered.keys()])].sort();
  const parts = await Promise.all(
    ids.map(async (id) => {
      const worker = workers.find((candidate) => candidate.id === id);
      const health = worker ? await getJson(`${worker.url}/health`) : undefined;
      const running = health && health.sessions ? health.sessions.total : undefined;
      const instance = registered.get(id);
      if (!instance) return running === undefined ? `${id} down` : `${id} starting`;
      const process = !worker ? '' : running === undefined ? ', process down' : `, ${running} running`;
      return `${id} ${instance.shards} shards, ${instance.sessions} sessions${process}`;
    }),
  );
  return parts.join(' | ');
}

/**
 * Polls every `intervalMs` (default 1 s) and writes a line when the description changes.
 * options: {api, key, workers: [{id, url}], intervalMs, write}. Returns {stop()}.
 */
function watchFleet(options) {
  const { intervalMs = 1_000, write = (line) => process.stdout.write(line) } = options;
  let last = '';
  let timer;
  let stopped = false;
  const tick = async () => {
    const line = await describe(options).catch((error) => `cannot read the fleet: ${error.message}`);
    if (stopped) return;
    if (line !== last) write(`[fleet] ${line}\n`);
    last = line;
    timer = setTimeout(() => void tick(), intervalMs);
  };
  void tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

module.exports = { watchFleet };
