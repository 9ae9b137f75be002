/**
 * Benchmark (not a test): opens N raw sockets that complete the Noise handshake and register (each gets
 * its pair-device and waits for a scan), holds them, prints timings and memory, then closes.
 *
 *   node services/simulator/dist/test/bench/hold-sockets.js [N=3000]
 */
import { Curve, NOISE_WA_HEADER, initAuthCreds, makeNoiseHandler, proto, generateRegistrationNode, DEFAULT_CONNECTION_CONFIG } from 'baileys';
import type { BinaryNode } from 'baileys';
import WebSocket from 'ws';
import { createSimulator } from '../../src/index';
import { silentBaileysLogger } from '../helpers/baileys-client';

/** One set of client credentials for every socket: generating them (a pure-JS signature) would dominate. */
const creds = initAuthCreds();

async function openRegisteringSocket(wsUrl: string): Promise<WebSocket> {
  const ephemeral = Curve.generateKeyPair();
  const noise = makeNoiseHandler({ keyPair: ephemeral, NOISE_HEADER: NOISE_WA_HEADER, logger: silentBaileysLogger as never });
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const frames: Array<Uint8Array | BinaryNode> = [];
  let notify: (() => void) | undefined;
  ws.on('message', (data) => {
    void noise.decodeFrame(data as Buffer, (frame) => {
      frames.push(frame);
      notify?.();
    });
  });
  const next = async (): Promise<Uint8Array | BinaryNode> => {
    while (!frames.length)
      await new Promise<void>((resolve) => {
        notify = resolve;
      });
    return frames.shift()!;
  };
  ws.send(noise.encodeFrame(proto.HandshakeMessage.encode({ clientHello: { ephemeral: ephemeral.public } }).finish()));
  const serverHello = proto.HandshakeMessage.decode((await next()) as Uint8Array);
  const keyEnc = await noise.processHandshake(serverHello, creds.noiseKey);
  const payload = generateRegistrationNode(creds, { ...DEFAULT_CONNECTION_CONFIG } as never);
  const payloadEnc = noise.encrypt(proto.ClientPayload.encode(payload).finish());
  ws.send(noise.encodeFrame(proto.HandshakeMessage.encode({ clientFinish: { static: keyEnc, payload: payloadEnc } }).finish()));
  await noise.finishInit();
  const pairDevice = (await next()) as BinaryNode;
  if (pairDevice.tag !== 'iq') throw new Error(`expected pair-device, got ${pairDevice.tag}`);
  return ws;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 3000);
  const simulator = createSimulator();
  const { wsUrl } = await simulator.start();
  const started = Date.now();
  const sockets: WebSocket[] = [];
  const batch = 100;
  for (let i = 0; i < count; i += batch) {
    const size = Math.min(batch, count - i);
    sockets.push(...(await Promise.all(Array.from({ length: size }, () => openRegisteringSocket(wsUrl)))));
  }
  const elapsed = Date.now() - started;
  const stats = simulator.stats();
  const rssMb = Math.round(process.memoryUsage().rss / 1024 / 1024);
  process.stdout.write(
    `${count} sockets handshaken and registering in ${elapsed} ms ` +
      `(${Math.round(count / (elapsed / 1000))}/s); server sees ${stats.socketsOpen} open, ${stats.pendingQrs} pending QRs; ` +
      `process RSS (client + server) ${rssMb} MB\n`,
  );
  for (const ws of sockets) ws.terminate();
  await simulator.close();
}

main().catch((error) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
