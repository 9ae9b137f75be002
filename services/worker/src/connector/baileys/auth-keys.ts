import type { WASocket } from 'baileys';
import type { FileAuthState } from '../../auth-state';

/**
 * Makes a socket read and write its Signal keys through `store` alone.
 *
 * Baileys wraps the key store it is given with `addTransactionCapability`, whose transactions share one
 * counter and one pending-writes buffer per socket: a transaction that starts and ends while another is
 * committing has its writes dropped when the buffer is reset, so the next message is encrypted with a
 * chain counter already used and the recipient cannot decrypt it (seen with a burst of sends). Every
 * Baileys module reads `authState.keys.<method>` when it calls it, so replacing the wrapper's methods
 * once the socket exists routes every read, write and transaction through the store, whose writes are
 * visible at once and never dropped. Returns false when the socket does not have the expected shape
 * (another Baileys version): the caller reports it rather than run with the unsafe wrapper unknowingly.
 */
export function useStoreTransactions(sock: WASocket, store: FileAuthState): boolean {
  const keys = (sock as { authState?: { keys?: Record<string, unknown> } }).authState?.keys;
  if (!keys || typeof keys['transaction'] !== 'function' || typeof keys['get'] !== 'function') return false;
  const own = store.state.keys;
  keys['get'] = own.get.bind(own);
  keys['set'] = own.set.bind(own);
  keys['transaction'] = <T>(work: () => Promise<T>) => store.transaction(work);
  keys['isInTransaction'] = () => store.isInTransaction;
  return true;
}
