/**
 * Linking a companion by pairing code ("Link with phone number"), as WhatsApp's server and the
 * account's phone (the primary) do it:
 *
 * 1. The registering companion sends `iq md set <link_code_companion_reg stage=companion_hello>` with
 *    its ephemeral public key wrapped by the code: salt(32) ‖ iv(16) ‖ AES-256-CTR(PBKDF2-SHA256(code,
 *    salt, 2^17), iv, key). The server keeps it for the phone named in `jid`, answers with a
 *    `link_code_pairing_ref`, and (in WhatsApp) notifies that phone.
 * 2. The user enters the code on the phone (`enterLinkCode`). The phone unwraps the companion's key with
 *    it, makes its own ephemeral key and sends it wrapped the same way, with its identity key, in a
 *    `notification type=link_code_companion_reg` stage `primary_hello`.
 * 3. The companion derives the shared secret, sends `companion_finish` with its key bundle (its identity
 *    key ‖ the primary's identity key ‖ 32 random bytes) under AES-256-GCM with HKDF(shared, salt,
 *    'link_code_pairing_key_bundle_encryption_key'), and derives the adv secret:
 *    HKDF(shared ‖ X25519(its identity, primary identity) ‖ random, 'adv_secret').
 * 4. The phone decrypts the bundle (with a wrong code the keys differ and it does not decrypt: no link),
 *    checks both identity keys, derives the same adv secret and links the device as a scan does
 *    (pair-success, pair-device-sign, 515).
 */
import { createCipheriv, createDecipheriv, hkdfSync, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Curve, S_WHATSAPP_NET, getBinaryNodeChild, getBinaryNodeChildBuffer, jidDecode } from 'baileys';
import type { BinaryNode } from 'baileys';
import type { Connection } from '../connection/connection';
import type { SimContext } from '../context';
import type { PendingRegistration } from '../state/registry';
import type { ScanResult } from '../admin/types';
import { BadRequestError, LinkCodeMismatchError, LinkCodeNotFoundError, PairingFailedError } from '../errors';
import { assertPhone, completePairing } from './pairing';
import { iqError, iqResult, unixNow } from './nodes';

const pbkdf2Async = promisify(pbkdf2);

/** PBKDF2 iterations of the code key (Baileys and WhatsApp: 2 << 16). */
const CODE_KEY_ITERATIONS = 2 << 16;
const BUNDLE_INFO = 'link_code_pairing_key_bundle_encryption_key';
/** Pairing codes: 8 characters of Crockford's base32 (as WhatsApp shows them, with or without the dash). */
const CODE_PATTERN = /^[1-9A-HJ-NP-TV-Z]{8}$/;

/** What the server keeps of a companion that asked to be linked by code. */
export interface LinkCodeRequest {
  readonly phone: string;
  readonly ref: string;
  /** salt(32) ‖ iv(16) ‖ the companion's ephemeral public key under the code key */
  readonly wrappedCompanionKey: Buffer;
  readonly platform: string;
  readonly requestedAt: number;
  /** Set while the phone waits for the companion's `companion_finish` (after its primary_hello). */
  awaitFinish: ((node: BinaryNode) => void) | undefined;
}

/** The code key: PBKDF2-SHA256 over the code, as both ends derive it. */
function codeKey(code: string, salt: Buffer): Promise<Buffer> {
  return pbkdf2Async(code, salt, CODE_KEY_ITERATIONS, 32, 'sha256');
}

function aesCtr(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

function hkdf(key: Buffer, info: string, salt: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.from(hkdfSync('sha256', key, salt, info, 32));
}

/**
 * A registering socket's `link_code_companion_reg` iq: `companion_hello` is kept for the phone it
 * names; `companion_finish` goes to the phone waiting for it. Anything else gets an error.
 */
export function handleLinkCodeIq(ctx: SimContext, connection: Connection, iq: BinaryNode): void {
  const id = iq.attrs.id ?? '';
  const node = getBinaryNodeChild(iq, 'link_code_companion_reg');
  const registration = connection.registration;
  if (!node || !registration) return connection.send(iqError(id, 400, 'bad-request'));
  if (node.attrs.stage === 'companion_hello') return companionHello(ctx, connection, registration, iq, node);
  if (node.attrs.stage === 'companion_finish' && registration.linkCode?.awaitFinish) return registration.linkCode.awaitFinish(iq);
  connection.send(iqError(id, 400, 'bad-request'));
}

function companionHello(ctx: SimContext, connection: Connection, registration: PendingRegistration, iq: BinaryNode, node: BinaryNode): void {
  const id = iq.attrs.id ?? '';
  const phone = jidDecode(node.attrs.jid ?? '')?.user ?? '';
  const wrapped = getBinaryNodeChildBuffer(node, 'link_code_pairing_wrapped_companion_ephemeral_pub');
  const serverAuthKey = getBinaryNodeChildBuffer(node, 'companion_server_auth_key_pub');
  const valid =
    /^[1-9]\d{4,19}$/.test(phone) &&
    wrapped?.length === 80 &&
    serverAuthKey !== undefined &&
    Buffer.from(serverAuthKey).toString('base64') === registration.noiseKey;
  if (!valid) return connection.send(iqError(id, 400, 'bad-request'));
  const ref = ctx.ids.qrRef();
  const platform = getBinaryNodeChildBuffer(node, 'companion_platform_display');
  ctx.registry.setLinkCode(registration, {
    phone,
    ref,
    wrappedCompanionKey: Buffer.from(wrapped),
    platform: platform ? Buffer.from(platform).toString('utf8') : '',
    requestedAt: Date.now(),
    awaitFinish: undefined,
  });
  connection.send(
    iqResult(id, [
      {
        tag: 'link_code_companion_reg',
        attrs: {},
        content: [{ tag: 'link_code_pairing_ref', attrs: {}, content: Buffer.from(ref, 'utf8') }],
      },
    ]),
  );
}

/**
 * The phone `phone` enters `code`: the exchange above, run by the primary. Resolves once the device
 * is linked (the socket then restarts with 515); a code other than the companion's fails with
 * LINK_CODE_MISMATCH and links nothing (the companion may be given the right code again).
 */
export async function enterLinkCode(ctx: SimContext, phone: unknown, code: unknown): Promise<ScanResult> {
  assertPhone(phone);
  if (typeof code !== 'string') throw new BadRequestError('code must be a string', { field: 'code' });
  const normalized = code.replace(/[-\s]/g, '').toUpperCase();
  if (!CODE_PATTERN.test(normalized))
    throw new BadRequestError('code must be 8 characters of 1-9 and A-Z without I, O, U (a dash is allowed)', { field: 'code' });
  const registration = ctx.registry.linkCodes.get(phone);
  const request = registration?.linkCode;
  if (!registration || !request || registration.scanned) throw new LinkCodeNotFoundError(phone);
  if (request.awaitFinish) throw new BadRequestError('a code is being checked for this companion already', { field: 'code' });
  registration.scanned = true;
  try {
    const advSecret = await exchangeKeys(ctx, registration, request, normalized);
    return await completePairing(ctx, registration, phone, advSecret);
  } finally {
    request.awaitFinish = undefined;
    if (ctx.registry.pending.has(registration)) registration.scanned = false;
  }
}

/** Steps 2 to 4 above, as the primary: the adv secret it shares with the companion, or a failure. */
async function exchangeKeys(ctx: SimContext, registration: PendingRegistration, request: LinkCodeRequest, code: string): Promise<Buffer> {
  const wrapped = request.wrappedCompanionKey;
  const companionEphemeral = aesCtr(await codeKey(code, wrapped.subarray(0, 32)), wrapped.subarray(32, 48), wrapped.subarray(48, 80));
  const primaryEphemeral = Curve.generateKeyPair();
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const wrappedPrimary = Buffer.concat([salt, iv, aesCtr(await codeKey(code, salt), iv, Buffer.from(primaryEphemeral.public))]);
  const identity = ctx.registry.peer(request.phone).identityKey;
  const finish = new Promise<BinaryNode | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ctx.options.pairTimeoutMs);
    request.awaitFinish = (node) => {
      clearTimeout(timer);
      resolve(node);
    };
  });
  registration.link.send(primaryHello(ctx, request, Buffer.from(identity.public), wrappedPrimary));
  const iq = await finish;
  if (!iq) throw new PairingFailedError('the companion did not finish the link (companion_finish) in time');
  const id = iq.attrs.id ?? '';
  const shared = Buffer.from(Curve.sharedKey(primaryEphemeral.private, companionEphemeral));
  const bundle = openKeyBundle(iq, shared, registration, Buffer.from(identity.public));
  if (!bundle) {
    registration.link.send(iqError(id, 400, 'bad-request'));
    throw new LinkCodeMismatchError(request.phone);
  }
  registration.link.send(iqResult(id));
  const identityShared = Buffer.from(Curve.sharedKey(Buffer.from(identity.private), registration.identityKey));
  return hkdf(Buffer.concat([shared, identityShared, bundle.random]), 'adv_secret');
}

function primaryHello(ctx: SimContext, request: LinkCodeRequest, identityPublic: Buffer, wrappedPrimary: Buffer): BinaryNode {
  return {
    tag: 'notification',
    attrs: { from: S_WHATSAPP_NET, type: 'link_code_companion_reg', id: ctx.ids.stanza(), t: unixNow() },
    content: [
      {
        tag: 'link_code_companion_reg',
        attrs: { stage: 'primary_hello' },
        content: [
          { tag: 'link_code_pairing_ref', attrs: {}, content: Buffer.from(request.ref, 'utf8') },
          { tag: 'primary_identity_pub', attrs: {}, content: identityPublic },
          { tag: 'link_code_pairing_wrapped_primary_ephemeral_pub', attrs: {}, content: wrappedPrimary },
        ],
      },
    ],
  };
}

/**
 * The companion's key bundle, decrypted and checked: its identity key (as registered and as sent),
 * the primary's identity key, and the random bytes of the adv secret. Undefined when it does not
 * decrypt (a wrong code: other keys) or does not name the right keys.
 */
function openKeyBundle(iq: BinaryNode, shared: Buffer, registration: PendingRegistration, primaryIdentity: Buffer): { random: Buffer } | undefined {
  const node = getBinaryNodeChild(iq, 'link_code_companion_reg');
  const wrapped = getBinaryNodeChildBuffer(node, 'link_code_pairing_wrapped_key_bundle');
  const companionIdentity = getBinaryNodeChildBuffer(node, 'companion_identity_public');
  if (!wrapped || wrapped.length < 32 + 12 + 16 || !companionIdentity) return undefined;
  const bytes = Buffer.from(wrapped);
  const key = hkdf(shared, BUNDLE_INFO, bytes.subarray(0, 32));
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(32, 44));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    plain = Buffer.concat([decipher.update(bytes.subarray(44, bytes.length - 16)), decipher.final()]);
  } catch {
    return undefined;
  }
  const [companion, primary, random] = [plain.subarray(0, 32), plain.subarray(32, 32 + primaryIdentity.length), plain.subarray(32 + primaryIdentity.length)];
  const sameCompanion = companion.equals(registration.identityKey) && companion.equals(Buffer.from(companionIdentity));
  if (!sameCompanion || !primary.equals(primaryIdentity) || random.length !== 32) return undefined;
  return { random };
}
