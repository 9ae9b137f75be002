import path from 'node:path';
import { Boom } from '@hapi/boom';
import { DisconnectReason } from 'baileys';
import { PINNED_BAILEYS_VERSION } from './baileys-version';

/**
 * Baileys wraps every query and connection step in `Utils/generics.promiseTimeout`, which formats two
 * stack traces up front (`new Error().stack`, here and in `delayCancellable`) and builds a `Boom`
 * ("Cancelled", with a third stack) every time the query *succeeds*, only to throw it away. At a few
 * queries per first message that was ~13% of the worker's CPU during a send run.
 *
 * `lazyPromiseTimeout` keeps the contract (resolves or rejects as the executor does; after `ms` rejects
 * with `Boom('Timed Out', { statusCode: 408, data: { stack } })` whose `stack` is the caller's) but
 * captures the call site without formatting it, and formats it only if the timeout fires.
 */
type Executor<T> = (resolve: (value: T) => void, reject: (error: unknown) => void) => void;
type PromiseTimeout = <T>(ms: number | undefined, executor: Executor<T>) => Promise<T>;

/** Frames of the caller's stack kept for a timeout's `data.stack`. */
const CALL_SITE_FRAMES = 6;

export const lazyPromiseTimeout: PromiseTimeout = <T>(ms: number | undefined, executor: Executor<T>): Promise<T> => {
  if (!ms) return new Promise(executor);
  const callSite: { stack?: string } = {};
  // Walking the stack is the cost that remains at thousands of queries; a few frames name the query.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = CALL_SITE_FRAMES;
  Error.captureStackTrace(callSite, lazyPromiseTimeout);
  Error.stackTraceLimit = limit;
  let timer: NodeJS.Timeout | undefined;
  return new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => reject(new Boom('Timed Out', { statusCode: DisconnectReason.timedOut, data: { stack: callSite.stack } })), ms);
    executor(resolve, reject);
  }).finally(() => clearTimeout(timer));
};

interface GenericsModule {
  promiseTimeout: PromiseTimeout;
}

/** Baileys' `Utils/generics`; every caller reads `promiseTimeout` from it at call time. */
function loadGenerics(): { module: GenericsModule; version: string } {
  const root = path.dirname(path.dirname(require.resolve('baileys')));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { version } = require(path.join(root, 'package.json')) as { version: string };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return { module: require(path.join(root, 'lib', 'Utils', 'generics.js')) as GenericsModule, version };
}

let installed: boolean | undefined;

/**
 * Installs `lazyPromiseTimeout` into the Baileys this worker loads, only for the version whose
 * `promiseTimeout` it was checked against (another version keeps its own); returns whether it did.
 */
export function installLazyTimeouts(): boolean {
  if (installed !== undefined) return installed;
  const { module, version } = loadGenerics();
  installed = version === PINNED_BAILEYS_VERSION && typeof module.promiseTimeout === 'function';
  if (installed) module.promiseTimeout = lazyPromiseTimeout;
  return installed;
}
