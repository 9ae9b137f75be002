import { writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { WriteBatch, WriteBatchResult } from './file-writer';

// The thread of `ThreadedFileWriter`: writes each batch's files, in order, never over an existing file.
parentPort?.on('message', (batch: WriteBatch) => {
  const data = Buffer.from(batch.data);
  let offset = 0;
  let result: WriteBatchResult = { ok: true };
  try {
    for (const file of batch.files) {
      writeFileSync(file.path, data.subarray(offset, offset + file.size), { flag: 'wx', mode: file.mode });
      offset += file.size;
    }
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    result = { ok: false, message: e.message, code: e.code };
  }
  parentPort?.postMessage(result);
});
