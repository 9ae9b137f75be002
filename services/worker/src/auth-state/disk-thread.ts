/**
 * Entry point of an auth-state I/O thread (see DiskThreads): runs each requested operation of
 * disk-ops synchronously and answers with its result or its error.
 */
import { parentPort } from 'node:worker_threads';
import { checkFence, claimFence, clearSessionDir, openSessionDir, writeBatch } from './disk-ops';
import type { DiskReply, DiskRequest } from './disk-protocol';
import { closeOpenJournalsSync } from './journal';

function run(request: DiskRequest): unknown {
  switch (request.op) {
    case 'open':
      return openSessionDir(request.dir, request.epoch);
    case 'write':
      return writeBatch(request.batch);
    case 'check':
      return checkFence(request.dir, request.epoch);
    case 'clear':
      return clearSessionDir(request.dir, request.epoch);
    case 'claim':
      return claimFence(request.dir, request.epoch, request.holder);
    case 'release':
      return closeOpenJournalsSync();
    default:
      throw new Error(`unknown disk operation ${String((request as { op: unknown }).op)}`);
  }
}

parentPort?.on('message', (request: DiskRequest) => {
  let reply: DiskReply;
  try {
    reply = { id: request.id, result: run(request) };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    reply = { id: request.id, error: { message: e?.message ?? String(error), code: e?.code, syscall: e?.syscall, path: e?.path } };
  }
  parentPort?.postMessage(reply);
});
