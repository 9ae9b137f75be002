#!/usr/bin/env node
// Exits 0 when a Redis answers PING at the URL given (default redis://127.0.0.1:6379), else 1.
// Plain Node so that it works before `npm ci` and without redis-cli.
'use strict';
const net = require('node:net');
const { clearTimeout } = require('node:timers');
const tls = require('node:tls');
const { URL } = require('node:url');

const url = new URL(process.argv[2] || 'redis://127.0.0.1:6379');
const port = Number(url.port || 6379);
const options = { host: url.hostname, port, servername: url.hostname };
const socket = url.protocol === 'rediss:' ? tls.connect(options) : net.connect(options);
const auth = url.password ? `AUTH ${url.username ? `${decodeURIComponent(url.username)} ` : ''}${decodeURIComponent(url.password)}\r\n` : '';
const timer = setTimeout(() => finish(1), 2000);
let reply = '';
function finish(code) {
  clearTimeout(timer);
  socket.destroy();
  process.exit(code);
}
socket.on(url.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => socket.write(`${auth}PING\r\n`));
socket.on('data', (chunk) => {
  reply += chunk.toString();
  if (reply.includes('+PONG')) finish(0);
  if (reply.startsWith('-')) finish(1);
});
socket.on('error', () => finish(1));
