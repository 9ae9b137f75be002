/** One-shot disconnect faults. These are injected, so they do not count as conflicts. */
import type { SimContext } from '../context';
import type { Account } from '../state/account';
import type { DisconnectCode } from '../state/faults';
import { NotConnectedError } from '../errors';
import { conflictReplaced, deviceRemoved, streamError } from '../protocol/nodes';
import type { Connection } from '../connection/connection';

/** Returns the number of sockets closed. 401 also forgets every device of the account (re-pair needed). */
export function applyDisconnect(ctx: SimContext, account: Account, code: DisconnectCode): number {
  const sessions = [...account.sessions] as Connection[];
  if (code === 401) {
    for (const id of [...account.devices.keys()]) ctx.registry.removeDevice(account, id);
  } else if (!sessions.length) {
    throw new NotConnectedError(account.phone);
  }
  for (const session of sessions) {
    switch (code) {
      case 428:
        session.drop();
        break;
      case 440:
        session.terminate(conflictReplaced());
        break;
      case 401:
        session.terminate(deviceRemoved());
        break;
      case 515:
        session.terminate(streamError(515));
        break;
    }
  }
  return sessions.length;
}
