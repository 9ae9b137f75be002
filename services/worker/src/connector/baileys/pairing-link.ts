import { getBinaryNodeChild, getBinaryNodeChildren, type AuthenticationCreds, type BinaryNode, type WASocket } from 'baileys';
import type { Logger } from '@fleet/logger';

/** A registering socket's first QR lives 60 s, each next one 20 s; then the socket closes (408). */
export const FIRST_QR_TTL_MS = 60_000;
export const NEXT_QR_TTL_MS = 20_000;

/** What one socket has shown of its registration: its QRs, when its refs run out, a pairing code. */
export interface RegistrationState {
  qrCount: number;
  /** When the socket's QR refs run out (it then closes with 408): how long a pairing code on it lives. */
  refsEndAt: number | undefined;
  /** The phone a pairing code was asked for on this socket, if any. */
  codeFor: string | undefined;
}

/** The device is linked to an account: it has the account's signed identity (a pairing finished). */
export function isLinked(creds: AuthenticationCreds): boolean {
  return typeof creds.me?.id === 'string' && creds.account !== undefined && creds.account !== null;
}

/**
 * Linking a session by pairing code instead of a QR scan, over its chain of sockets: once a socket
 * registers (its first QR: WhatsApp sent `pair-device`), it asks for a code for the phone (Baileys'
 * `requestPairingCode`, which sends `link_code_companion_reg` stage `companion_hello`) and reports it
 * with how long that socket lives. The phone comes with the session's spec or later (`pair`).
 */
export class PairingLink {
  constructor(
    private phone: string | undefined,
    private readonly logger: Logger,
    private readonly report: (sock: WASocket, code: string, phone: string, expiresAt: number) => void,
  ) {}

  /** A new socket: its registration state, with the refs it is offered counted as they come. */
  watch(sock: WASocket, guard: (label: string, fn: () => void) => void): RegistrationState {
    const state: RegistrationState = { qrCount: 0, refsEndAt: undefined, codeFor: undefined };
    sock.ws.on('CB:iq,type:set,pair-device', (node: BinaryNode) =>
      guard('pair-device', () => {
        const refs = getBinaryNodeChildren(getBinaryNodeChild(node, 'pair-device'), 'ref').length;
        state.refsEndAt = Date.now() + FIRST_QR_TTL_MS + NEXT_QR_TTL_MS * Math.max(0, refs - 1);
      }),
    );
    return state;
  }

  /** The socket showed a QR (it registers): the code is asked for now, once per socket and phone. */
  onQr(sock: WASocket, state: RegistrationState): Promise<void> | undefined {
    const phone = this.phone;
    if (!phone || state.codeFor === phone) return undefined;
    return this.request(sock, state, phone);
  }

  /** Links by code with `phone` from now on; asks at once when `sock` is registering. */
  async pair(phone: string, sock: WASocket | undefined, state: RegistrationState | undefined, creds: AuthenticationCreds): Promise<void> {
    this.phone = phone;
    if (sock && state && state.qrCount > 0 && !isLinked(creds)) await this.request(sock, state, phone);
  }

  /**
   * Baileys' `requestPairingCode` writes the phone's JID into the credentials before the link is
   * done; a socket opened with them would log in as that phone, be refused (401) and end logged out.
   * A pairing that did not finish is forgotten before each socket: it registers afresh (new QR refs)
   * and asks for a new code.
   */
  forgetUnfinished(creds: AuthenticationCreds): void {
    if (!creds.me || isLinked(creds)) return;
    creds.me = undefined;
    creds.pairingCode = undefined;
  }

  private async request(sock: WASocket, state: RegistrationState, phone: string): Promise<void> {
    state.codeFor = phone;
    const code = await sock.requestPairingCode(phone);
    const expiresAt = state.refsEndAt ?? Date.now() + FIRST_QR_TTL_MS;
    this.logger.info('pairing code issued');
    this.report(sock, code, phone, expiresAt);
  }
}
