/**
 * A simulated WhatsApp user (a contact, or an account's own phone) with its own Signal store. It hands
 * out pre-key bundles to clients that want to write to it, decrypts what they send, and encrypts what it
 * sends to a client device from the pre-keys that device uploaded.
 */
import {
  Curve,
  DEFAULT_CONNECTION_CONFIG,
  KEY_BUNDLE_TYPE,
  encodeBigEndian,
  encodeWAMessage,
  generateSignalPubKey,
  initAuthCreds,
  jidDecode,
  proto,
  unpadRandomMax16,
} from 'baileys';
import type { AuthenticationCreds, BinaryNode, SignalRepository } from 'baileys';
import { MemoryKeyStore } from './memory-key-store';
import { Mutex } from '../util/mutex';

export interface SignedPreKey {
  keyId: number;
  publicKey: Buffer;
  signature: Buffer;
}

/** What the server knows of a client device's Signal keys (from registration and pre-key uploads). */
export interface DeviceKeyBundle {
  registrationId: number;
  identityKey: Buffer;
  signedPreKey: SignedPreKey;
  /** one-time pre-keys still unused, by id (insertion order = upload order) */
  preKeys: Map<number, Buffer>;
}

export type CipherType = 'pkmsg' | 'msg';

export class SimPeer {
  readonly jid: string;
  private readonly keys = new MemoryKeyStore();
  private readonly repository: SignalRepository;
  private readonly mutex = new Mutex();
  private nextPreKeyId = 1;
  /** `group\ndeviceJid` pairs that already got this peer's sender key for the group */
  private readonly senderKeyShared = new Set<string>();

  /** `creds`: a never-used identity (see the context's pool of them). */
  constructor(
    readonly phone: string,
    private readonly creds: AuthenticationCreds = initAuthCreds(),
  ) {
    this.jid = `${phone}@s.whatsapp.net`;
    this.repository = DEFAULT_CONNECTION_CONFIG.makeSignalRepository({ creds: this.creds, keys: this.keys });
  }

  /** The Signal registration id of the peer's (only) device. */
  get registrationId(): number {
    return this.creds.registrationId;
  }

  /** The peer's identity key pair; for an account's phone it doubles as the ADV account signature key. */
  get identityKey(): { public: Buffer; private: Buffer } {
    const { public: pub, private: priv } = this.creds.signedIdentityKey;
    return { public: Buffer.from(pub), private: Buffer.from(priv) };
  }

  /** A `<user>` bundle node for `requestedJid` (a device of this peer), with a fresh one-time pre-key. */
  bundleNode(requestedJid: string): BinaryNode {
    const keyId = this.nextPreKeyId++;
    const preKey = Curve.generateKeyPair();
    this.keys.set({ 'pre-key': { [String(keyId)]: preKey } });
    const { signedPreKey } = this.creds;
    return {
      tag: 'user',
      attrs: { jid: requestedJid },
      content: [
        { tag: 'registration', attrs: {}, content: encodeBigEndian(this.creds.registrationId) },
        { tag: 'type', attrs: {}, content: KEY_BUNDLE_TYPE },
        { tag: 'identity', attrs: {}, content: Buffer.from(this.creds.signedIdentityKey.public) },
        {
          tag: 'skey',
          attrs: {},
          content: [
            { tag: 'id', attrs: {}, content: encodeBigEndian(signedPreKey.keyId, 3) },
            { tag: 'value', attrs: {}, content: Buffer.from(signedPreKey.keyPair.public) },
            { tag: 'signature', attrs: {}, content: Buffer.from(signedPreKey.signature) },
          ],
        },
        {
          tag: 'key',
          attrs: {},
          content: [
            { tag: 'id', attrs: {}, content: encodeBigEndian(keyId, 3) },
            { tag: 'value', attrs: {}, content: preKey.public },
          ],
        },
      ],
    };
  }

  /** Decrypts a message a client device sent to this peer; returns the protobuf message. */
  decrypt(fromDeviceJid: string, type: CipherType, ciphertext: Uint8Array): Promise<proto.Message> {
    return this.mutex.run(async () => {
      const plain = await this.repository.decryptMessage({ jid: fromDeviceJid, type, ciphertext });
      return proto.Message.decode(unpadRandomMax16(plain));
    });
  }

  /**
   * Encrypts a message for a client device. Without a session, one is built from the device's bundle;
   * `onPreKeyUsed` is told which one-time pre-key was consumed.
   */
  encrypt(toDeviceJid: string, message: proto.IMessage, bundle: DeviceKeyBundle): Promise<{ type: CipherType; ciphertext: Uint8Array; usedPreKeyId?: number }> {
    return this.mutex.run(async () => {
      let usedPreKeyId: number | undefined;
      if (!this.hasSession(toDeviceJid)) usedPreKeyId = await this.injectSession(toDeviceJid, bundle);
      const result = await this.repository.encryptMessage({ jid: toDeviceJid, data: encodeWAMessage(message) });
      return { ...result, ...(usedPreKeyId === undefined ? {} : { usedPreKeyId }) };
    });
  }

  /**
   * Encrypts a group message with this peer's sender key for `group` (made on first use). `distribution`
   * is the SenderKeyDistributionMessage when `deviceJid` has not been given this sender key yet: it must
   * reach the device (in a pkmsg/msg) before the group ciphertext.
   */
  encryptGroup(group: string, deviceJid: string, message: proto.IMessage): Promise<{ ciphertext: Uint8Array; distribution?: Uint8Array }> {
    return this.mutex.run(async () => {
      const { ciphertext, senderKeyDistributionMessage } = await this.repository.encryptGroupMessage({ group, meId: this.jid, data: encodeWAMessage(message) });
      const key = `${group}\n${deviceJid}`;
      if (this.senderKeyShared.has(key)) return { ciphertext };
      this.senderKeyShared.add(key);
      return { ciphertext, distribution: senderKeyDistributionMessage };
    });
  }

  /** Takes in a client device's sender key for a group (from a decrypted SenderKeyDistributionMessage). */
  processSenderKey(fromDeviceJid: string, item: proto.Message.ISenderKeyDistributionMessage): Promise<void> {
    return this.mutex.run(() => this.repository.processSenderKeyDistributionMessage({ item, authorJid: fromDeviceJid }));
  }

  /** Decrypts a client device's `skmsg` to a group with the sender key it distributed. */
  decryptGroup(group: string, fromDeviceJid: string, ciphertext: Uint8Array): Promise<proto.Message> {
    return this.mutex.run(async () => {
      const plain = await this.repository.decryptGroupMessage({ group, authorJid: fromDeviceJid, msg: ciphertext });
      return proto.Message.decode(unpadRandomMax16(plain));
    });
  }

  hasSession(deviceJid: string): boolean {
    const address = this.repository.jidToSignalProtocolAddress(deviceJid);
    return this.keys.get('session', [address])[address] !== undefined;
  }

  /** Forgets the session with a device (after it re-registered, its keys changed), and which sender keys it got. */
  dropSession(deviceJid: string): void {
    const address = this.repository.jidToSignalProtocolAddress(deviceJid);
    this.keys.set({ session: { [address]: null } });
    for (const key of this.senderKeyShared) if (key.endsWith(`\n${deviceJid}`)) this.senderKeyShared.delete(key);
  }

  private async injectSession(deviceJid: string, bundle: DeviceKeyBundle): Promise<number | undefined> {
    const first = bundle.preKeys.entries().next();
    let preKey: { keyId: number; publicKey: Uint8Array } | undefined;
    if (!first.done) {
      const [keyId, publicKey] = first.value;
      bundle.preKeys.delete(keyId);
      preKey = { keyId, publicKey: generateSignalPubKey(publicKey) };
    }
    await this.repository.injectE2ESession({
      jid: deviceJid,
      session: {
        registrationId: bundle.registrationId,
        identityKey: generateSignalPubKey(bundle.identityKey),
        signedPreKey: {
          keyId: bundle.signedPreKey.keyId,
          publicKey: generateSignalPubKey(bundle.signedPreKey.publicKey),
          signature: bundle.signedPreKey.signature,
        },
        preKey: preKey as { keyId: number; publicKey: Uint8Array },
      },
    });
    return preKey?.keyId;
  }
}

/** The user part of a JID (`123@s.whatsapp.net`, `123:4@s.whatsapp.net` → `123`). */
export function jidUser(jid: string): string | undefined {
  return jidDecode(jid)?.user;
}
