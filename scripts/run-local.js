#!/usr/bin/env node
// `make run`: starts a local fleet (Redis unless REDIS_URL is given, the WhatsApp simulator, a local
// S3 server for backups and media, the ingress, two workers, the dispatcher and the backup service), prints how to use
// it, shows the fleet's layout as it changes, restarts a Fleet process that dies (as a service
// manager would), and stops everything on Ctrl-C.
'use strict';
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { Supervisor } = require('./run-local-supervisor');
const { watchFleet } = require('./run-local-watch');

const root = path.resolve(__dirname, '..');
const data = path.resolve(root, process.env.LOCAL_DATA_DIR || '.data');
const workerPort = Number(process.env.WORKER_PORT || 3001);
const ports = {
  redis: Number(process.env.LOCAL_REDIS_PORT || 6380),
  ingress: Number(process.env.INGRESS_PORT || 3000),
  simulator: Number(process.env.SIM_PORT || 7780),
  // The simulator's HTTPS media host (uploads and downloads of encrypted media), beside its WebSocket.
  simulatorMedia: Number(process.env.SIM_MEDIA_PORT || Number(process.env.SIM_PORT || 7780) + 1),
  workers: [workerPort, workerPort + 1],
  dispatcher: Number(process.env.DISPATCHER_PORT || 3100),
  backup: Number(process.env.BACKUP_PORT || 3005),
  s3: Number(process.env.LOCAL_S3_PORT || 4569),
};
// A dead process is restarted after a little more than a worker's registration lifetime, so that a
// killed worker's shards first fail over to the other worker (which is what a drill wants to see).
const restartDelayMs = Number(process.env.LOCAL_RESTART_DELAY_MS || Number(process.env.HEARTBEAT_TTL_MS || 10_000) + 2_000);
const pidFile = path.join(data, 'run-local.pid');
let stopping = false;
let watcher;

// Fleet processes are restarted when they die. Redis and the simulator are not: Redis holds all
// state (and is needed to drain), and the simulator's paired phones live in its memory, so every
// session would need a new scan; either dying stops everything.
// What the Fleet processes depend on (Redis, the simulator, the local S3 server) is started
// `detached`: a terminal's Ctrl-C does not reach it, and it is stopped only after the workers have
// drained (their sessions closed by them, not by the simulator going away) and the rest has stopped.
const supervisor = new Supervisor({
  cwd: root,
  restartDelayMs,
  onFatal(name, how) {
    process.stderr.write(`[${name}] exited (${how}); stopping everything\n`);
    shutdown(1);
  },
});

function start(name, command, args, env, ready, { detached = false, restart = true } = {}) {
  return supervisor.start({ name, command, args, env, ready, detached, restart });
}

function apiKey() {
  if (process.env.API_KEYS) return process.env.API_KEYS.split(',')[0].trim();
  const file = path.join(data, 'api-key');
  if (!fs.existsSync(file)) fs.writeFileSync(file, `local-${crypto.randomBytes(16).toString('hex')}\n`, { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

/** The secret of signed media links: MEDIA_SIGNING_SECRET, or one generated once into <data>/media-signing-secret. */
function mediaSigningSecret() {
  if (process.env.MEDIA_SIGNING_SECRET) return process.env.MEDIA_SIGNING_SECRET;
  const file = path.join(data, 'media-signing-secret');
  if (!fs.existsSync(file)) fs.writeFileSync(file, `${crypto.randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

/** The key sealing sessions' proxy URLs: SESSION_SECRETS_KEY, or one generated once into <data>/session-secrets-key. */
function sessionSecretsKey() {
  if (process.env.SESSION_SECRETS_KEY) return process.env.SESSION_SECRETS_KEY;
  const file = path.join(data, 'session-secrets-key');
  if (!fs.existsSync(file)) fs.writeFileSync(file, `${crypto.randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

function ping(url) {
  try {
    execFileSync(process.execPath, [path.join(__dirname, 'redis-ping.js'), url], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function redisUrl() {
  if (process.env.REDIS_URL) {
    if (!ping(process.env.REDIS_URL)) throw new Error(`REDIS_URL=${process.env.REDIS_URL} does not answer`);
    return process.env.REDIS_URL;
  }
  const url = `redis://127.0.0.1:${ports.redis}`;
  if (ping(url)) throw new Error(`something already listens on ${url}; stop it or set REDIS_URL / LOCAL_REDIS_PORT`);
  execFileSync(path.join(__dirname, 'ensure-debian-package.sh'), ['redis-server', 'redis-server'], { stdio: 'inherit' });
  const dir = path.join(data, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  await start(
    'redis',
    'redis-server',
    ['--port', String(ports.redis), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--maxmemory-policy', 'noeviction'],
    {},
    /Ready to accept connections/,
    { detached: true, restart: false },
  );
  return url;
}

async function main() {
  fs.mkdirSync(data, { recursive: true });
  fs.writeFileSync(pidFile, `${process.pid}\n`);
  const key = apiKey();
  const redis = await redisUrl();
  // The ingress seals sessions' proxy URLs and the workers open them: one key for both.
  const common = { REDIS_URL: redis, LOG_LEVEL: process.env.LOG_LEVEL || 'info', SESSION_SECRETS_KEY: sessionSecretsKey() };
  // Every Fleet process listens on loopback only (their defaults, 0.0.0.0, suit containers, not a laptop).
  const host = (name) => ({ [name]: process.env[name] || '127.0.0.1' });
  // Webhooks may reach public addresses only, unless allowed: a receiver on this machine is (ingress and dispatcher).
  const webhookAllow = { WEBHOOK_ALLOW: process.env.WEBHOOK_ALLOW || '127.0.0.1,::1,localhost' };
  // Sessions' proxies, likewise: one on this machine may be used (ingress and workers).
  const proxyAllow = { PROXY_ALLOW: process.env.PROXY_ALLOW || '127.0.0.1,::1,localhost' };
  // The ingress stores uploads in the media bucket and the workers will read them: both get the S3 settings.
  const s3 = await startS3();
  const media = { ...s3, MEDIA_SIGNING_SECRET: mediaSigningSecret() };
  const simulatorBin = path.join(root, 'services/simulator/dist/src/bin.js');
  let wsUrl = process.env.WA_WEBSOCKET_URL;
  const simulator = !wsUrl && fs.existsSync(simulatorBin);
  if (simulator) {
    await start(
      'simulator',
      process.execPath,
      [simulatorBin],
      { SIM_PORT: String(ports.simulator), SIM_MEDIA_PORT: String(ports.simulatorMedia), SIM_HOST: '127.0.0.1' },
      /admin:\s+http/,
      { detached: true, restart: false },
    );
    wsUrl = `ws://127.0.0.1:${ports.simulator}/ws/chat`;
  }
  await start(
    'ingress',
    process.execPath,
    ['services/ingress/dist/src/bin.js'],
    { ...common, ...media, ...webhookAllow, ...proxyAllow, ...host('INGRESS_HOST'), API_KEYS: key, INGRESS_PORT: String(ports.ingress) },
    /ready on/,
  );
  for (const [index, port] of ports.workers.entries()) {
    const id = `instance-${index + 1}`;
    await start(
      id,
      process.execPath,
      ['services/worker/dist/src/bin.js'],
      {
        ...common,
        ...media,
        ...proxyAllow,
        INSTANCE_ID: id,
        ...host('WORKER_HOST'),
        WORKER_PORT: String(port),
        // The workers' admin route (/storage-check, fleetctl storage-check) takes the ingress's key.
        API_KEYS: key,
        SESSION_STORAGE_PATH: path.join(data, 'sessions'),
        PUBLIC_BASE_URL: process.env.PUBLIC_BASE_URL || `http://127.0.0.1:${ports.ingress}`,
        ...(wsUrl ? { WA_WEBSOCKET_URL: wsUrl } : {}),
        // The simulator's media host has a test certificate: the workers trust its CA for uploads and downloads.
        ...(simulator ? { WA_MEDIA_CA_FILE: path.join(root, 'services/simulator/certs/ca.pem') } : {}),
      },
      /ready on/,
    );
  }
  // Webhooks: to LARAVEL_API_URL (with DISPATCHER_WEBHOOK_SECRET) when set, and to per-workspace webhooks;
  // without a receiver, a workspace's newest events (DISPATCHER_RETAIN_EVENTS) stay pending and the dispatcher logs that.
  await start(
    'dispatcher',
    process.execPath,
    ['services/dispatcher/dist/src/bin.js'],
    { ...common, ...webhookAllow, ...host('DISPATCHER_HOST'), DISPATCHER_PORT: String(ports.dispatcher) },
    /ready on/,
  );
  await startBackup(common, s3, host('BACKUP_HOST'));
  printUsage(key, redis, wsUrl, simulator);
  watcher = watchFleet({
    api: `http://127.0.0.1:${ports.ingress}`,
    key,
    workers: ports.workers.map((port, index) => ({ id: `instance-${index + 1}`, url: `http://127.0.0.1:${port}` })),
  });
}

// S3 for backups and media: S3_ENDPOINT / S3_BUCKET when set, else a local S3-compatible server
// (s3rver, data in <data>/s3) with the backups' bucket and the media bucket (MEDIA_S3_BUCKET).
async function startS3() {
  if (process.env.S3_ENDPOINT || process.env.S3_BUCKET) return {};
  const dir = path.join(data, 's3');
  fs.mkdirSync(dir, { recursive: true });
  const buckets = ['fleet-backups', process.env.MEDIA_S3_BUCKET || 'fleet-media'].flatMap((bucket) => ['--configure-bucket', bucket]);
  await start(
    's3',
    process.execPath,
    [require.resolve('s3rver/bin/s3rver.js'), '-d', dir, '-a', '127.0.0.1', '-p', String(ports.s3), ...buckets, '--silent'],
    {},
    /S3rver listening/,
    { detached: true },
  );
  return { S3_ENDPOINT: `http://127.0.0.1:${ports.s3}`, S3_BUCKET: 'fleet-backups', S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' };
}

// Backups: to S3_ENDPOINT when set, else to the local S3 server.
// <data>/local.env records the settings for `make backup`, `make restore` and `make dr-drill`.
async function startBackup(common, s3, listen) {
  const env = { ...common, SESSION_STORAGE_PATH: path.join(data, 'sessions'), ...s3 };
  fs.writeFileSync(
    path.join(data, 'local.env'),
    Object.entries(env)
      .map(([k, v]) => `: "\${${k}:=${v}}"; export ${k}`)
      .join('\n') + '\n',
  );
  await start('backup', process.execPath, ['services/backup/dist/src/bin.js'], { ...env, ...listen, BACKUP_PORT: String(ports.backup) }, /ready on/);
}

/** What the workers connect to: the simulator make run started, WA_WEBSOCKET_URL, or WhatsApp itself. */
function whatsappLine(wsUrl, simulator) {
  if (simulator) return `simulator at ${wsUrl} (admin http://127.0.0.1:${ports.simulator}/admin, media https://127.0.0.1:${ports.simulatorMedia})`;
  if (wsUrl) return `${wsUrl} (WA_WEBSOCKET_URL; no simulator started)`;
  return 'WhatsApp Web itself (the simulator is not built; make build builds it)';
}

/** A path as printed: relative to the repository when inside it. */
function shown(file) {
  const relative = path.relative(root, file);
  return relative.startsWith('..') ? file : relative;
}

/** Where Redis is: the one make run started, or REDIS_URL. */
function redisLine(redis) {
  if (process.env.REDIS_URL) return `${redis} (REDIS_URL; no Redis started)`;
  return `${redis}   data in ${shown(path.join(data, 'redis'))}`;
}

/** Where S3 is: the local server make run started, or S3_ENDPOINT / S3_BUCKET. */
function s3Line() {
  const media = process.env.MEDIA_S3_BUCKET || 'fleet-media';
  if (process.env.S3_ENDPOINT || process.env.S3_BUCKET)
    return `${process.env.S3_ENDPOINT || 'AWS S3'} (S3_ENDPOINT / S3_BUCKET; no local S3 server started), buckets ${process.env.S3_BUCKET || 'fleet-backups'} and ${media}`;
  return `s3rver at http://127.0.0.1:${ports.s3}   data in ${shown(path.join(data, 's3'))}, buckets fleet-backups and ${media}`;
}

function printUsage(key, redis, wsUrl, simulator) {
  const api = `http://127.0.0.1:${ports.ingress}`;
  const auth = `-H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json'`;
  const sim = `http://127.0.0.1:${ports.simulator}`;
  process.stdout.write(`
Fleet is running.
  ingress     ${api}   (OpenAPI: ${api}/openapi.json, Swagger UI: ${api}/docs)
  console     ${api}/console/   sign in with the API key below (docs/console.md)
  workers     http://127.0.0.1:${ports.workers[0]}/health  http://127.0.0.1:${ports.workers[1]}/health   (/storage-check needs the API key)
  dispatcher  http://127.0.0.1:${ports.dispatcher}/health   webhooks to ${process.env.LARAVEL_API_URL || 'no LARAVEL_API_URL: set one per workspace with PUT /api/workspaces/{id}/webhook'} (WEBHOOK_ALLOW=${process.env.WEBHOOK_ALLOW || '127.0.0.1,::1,localhost'})
  backup      http://127.0.0.1:${ports.backup}/health   hourly snapshots of ${shown(path.join(data, 'sessions'))} to S3; make backup / make restore SNAPSHOT=latest
  S3          ${s3Line()}
  media       uploads to bucket ${process.env.MEDIA_S3_BUCKET || 'fleet-media'}; signing secret in ${process.env.MEDIA_SIGNING_SECRET ? 'MEDIA_SIGNING_SECRET' : shown(path.join(data, 'media-signing-secret'))}
  Redis       ${redisLine(redis)}
  API key     ${key}   (admin key; in ${process.env.API_KEYS ? 'API_KEYS' : shown(path.join(data, 'api-key'))})
  WhatsApp    ${whatsappLine(wsUrl, simulator)}

Try it:
  curl -s ${api}/health
  curl -s ${auth} ${api}/api/instances
  curl -s ${auth} -X POST ${api}/api/sessions/create -d '{"session_id":"demo-1","workspace_id":5,"account_id":"1"}'
  curl -s ${auth} ${api}/api/sessions/demo-1/status
  curl -s ${auth} '${api}/api/sessions/demo-1/qr?format=raw&wait=10'   # answered as soon as the QR is there
${
  simulator
    ? `  # scan with the virtual phone: "qr" is the full QR string from the answer above (/admin/qrs lacks its secret)
  curl -s -X POST ${sim}/admin/scan -H 'Content-Type: application/json' -d '{"qr":"<qr from the answer>","phone":"15550001111"}'
`
    : ''
}  curl -s ${auth} -X POST ${api}/api/messages/send -d '{"session_id":"demo-1","to":"+15551234567","text":"hello"}'
  curl -s ${auth} ${api}/api/messages/<message_id>
  curl -s -H 'Authorization: Bearer ${key}' -F workspace_id=5 -F type=image -F file=@docs/images/tour-photo.png ${api}/api/media   # answers media_id and a signed url
  curl -s ${auth} -X POST ${api}/api/admin/keys -d '{"workspace_id":5,"scopes":["sessions:read","messages:send"]}'   # a workspace key (fk_…), shown once

A Fleet process that dies is restarted after ${restartDelayMs / 1000} s (try: kill -9 a worker); [fleet] lines show where shards and sessions are.
Ctrl-C stops everything (from another shell: kill -INT $(cat ${shown(pidFile)})). README.md has the full tour.
`);
}

function shutdown(code) {
  if (stopping) return;
  stopping = true;
  watcher?.stop();
  process.stdout.write('\nstopping…\n');
  // Workers drain and the ingress stops first; Redis last, so they can flush to it.
  supervisor.stop().then(() => {
    fs.rmSync(pidFile, { force: true });
    process.exit(code);
  });
}

process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));
main().catch((error) => {
  process.stderr.write(`make run failed: ${error.message}\n`);
  shutdown(1);
});
