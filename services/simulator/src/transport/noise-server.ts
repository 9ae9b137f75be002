/**
 * Server side of WhatsApp's Noise_XX_25519_AESGCM_SHA256 handshake, and the transport cipher that
 * follows it. The hash starts as the 32-byte protocol name; AES-256-GCM uses IV = 8 zero bytes +
 * 32-bit big-endian counter with the running hash as additional data; HKDF-SHA256 uses the chaining key
 * as salt and empty info. After the handshake the client writes with the first half of the split.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import { NOISE_MODE, proto } from 'baileys';
import { HandshakeError } from '../errors';
import { generateKeyPair, importPublicKey, sharedKey, type KeyPair } from './x25519';

const GCM_TAG_BYTES = 16;

function iv(counter: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt32BE(counter, 8);
  return out;
}

function gcmEncrypt(key: Buffer, counter: number, aad: Buffer, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv(counter));
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function gcmDecrypt(key: Buffer, counter: number, aad: Buffer, ciphertext: Uint8Array): Buffer {
  if (ciphertext.byteLength < GCM_TAG_BYTES) throw new HandshakeError('ciphertext shorter than its tag');
  const data = Buffer.from(ciphertext);
  const decipher = createDecipheriv('aes-256-gcm', key, iv(counter));
  decipher.setAAD(aad);
  decipher.setAuthTag(data.subarray(data.length - GCM_TAG_BYTES));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - GCM_TAG_BYTES)), decipher.final()]);
}

function hkdf64(ikm: Uint8Array, salt: Buffer): [Buffer, Buffer] {
  const out = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.alloc(0), 64));
  return [out.subarray(0, 32), out.subarray(32)];
}

/** Encrypts and decrypts transport frames after the handshake; one counter per direction, no AD. */
export class TransportCipher {
  private readCounter = 0;
  private writeCounter = 0;
  private static readonly EMPTY = Buffer.alloc(0);

  constructor(
    private readonly readKey: Buffer,
    private readonly writeKey: Buffer,
  ) {}

  encrypt(plaintext: Uint8Array): Buffer {
    return gcmEncrypt(this.writeKey, this.writeCounter++, TransportCipher.EMPTY, plaintext);
  }

  decrypt(ciphertext: Uint8Array): Buffer {
    return gcmDecrypt(this.readKey, this.readCounter++, TransportCipher.EMPTY, ciphertext);
  }
}

export interface ClientFinishResult {
  clientStaticKey: Buffer;
  payload: proto.ClientPayload;
  cipher: TransportCipher;
}

/** One handshake, server role. Call `intro`, then `clientHello`, then `clientFinish`. */
export class NoiseServerHandshake {
  private hash: Buffer;
  private chainingKey: Buffer;
  private key: Buffer;
  private counter = 0;
  private readonly ephemeral: KeyPair = generateKeyPair();

  constructor(
    private readonly staticKey: KeyPair,
    private readonly certificate: Uint8Array,
  ) {
    const mode = Buffer.from(NOISE_MODE);
    this.hash = mode.length === 32 ? mode : createHash('sha256').update(mode).digest();
    this.chainingKey = this.hash;
    this.key = this.hash;
  }

  intro(bytes: Buffer): void {
    this.mixHash(bytes);
  }

  /** Handles the client's first frame and returns the server hello frame payload. */
  clientHello(frame: Buffer): Uint8Array {
    const message = decodeHandshake(frame);
    const clientEphemeral = message.clientHello?.ephemeral;
    if (!clientEphemeral || clientEphemeral.length !== 32) throw new HandshakeError('client hello without ephemeral key');
    // Imported once for both agreements with it (ee, then es).
    const clientEphemeralKey = importPublicKey(clientEphemeral);
    this.mixHash(clientEphemeral);
    this.mixHash(this.ephemeral.public);
    this.mixKey(sharedKey(this.ephemeral.private, clientEphemeralKey));
    const staticEnc = this.encryptAndHash(this.staticKey.public);
    this.mixKey(sharedKey(this.staticKey.private, clientEphemeralKey));
    const payloadEnc = this.encryptAndHash(this.certificate);
    return proto.HandshakeMessage.encode({
      serverHello: { ephemeral: this.ephemeral.public, static: staticEnc, payload: payloadEnc },
    }).finish();
  }

  /** Handles the client finish frame: authenticates the client's static key and decrypts its payload. */
  clientFinish(frame: Buffer): ClientFinishResult {
    const message = decodeHandshake(frame);
    const finish = message.clientFinish;
    if (!finish?.static || !finish.payload) throw new HandshakeError('client finish without static key or payload');
    let clientStaticKey: Buffer;
    let payloadBytes: Buffer;
    try {
      clientStaticKey = this.decryptAndHash(finish.static);
      this.mixKey(sharedKey(this.ephemeral.private, importPublicKey(clientStaticKey)));
      payloadBytes = this.decryptAndHash(finish.payload);
    } catch (error) {
      throw new HandshakeError('could not decrypt client finish', error);
    }
    const payload = proto.ClientPayload.decode(payloadBytes);
    const [clientWrite, serverWrite] = hkdf64(Buffer.alloc(0), this.chainingKey);
    return { clientStaticKey, payload, cipher: new TransportCipher(clientWrite, serverWrite) };
  }

  private mixHash(data: Uint8Array): void {
    this.hash = createHash('sha256').update(this.hash).update(data).digest();
  }

  private mixKey(ikm: Uint8Array): void {
    const [chainingKey, key] = hkdf64(ikm, this.chainingKey);
    this.chainingKey = chainingKey;
    this.key = key;
    this.counter = 0;
  }

  private encryptAndHash(plaintext: Uint8Array): Buffer {
    const ciphertext = gcmEncrypt(this.key, this.counter++, this.hash, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  private decryptAndHash(ciphertext: Uint8Array): Buffer {
    const plaintext = gcmDecrypt(this.key, this.counter++, this.hash, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }
}

function decodeHandshake(frame: Buffer): proto.HandshakeMessage {
  try {
    return proto.HandshakeMessage.decode(frame);
  } catch (error) {
    throw new HandshakeError('malformed handshake message', error);
  }
}

/**
 * A certificate chain the client accepts: 6.17.16 only checks that the intermediate certificate's
 * issuer serial is 0. Signatures are random bytes (7.x would accept any 64 bytes too).
 */
export function buildCertChain(staticPublicKey: Buffer, randomBytes: (n: number) => Buffer): Uint8Array {
  const Details = proto.CertChain.NoiseCertificate.Details;
  const intermediate = Details.encode({
    serial: 1,
    issuerSerial: 0,
    key: randomBytes(32),
    notBefore: 0,
    notAfter: 4102444800,
  }).finish();
  const leaf = Details.encode({
    serial: 2,
    issuerSerial: 1,
    key: staticPublicKey,
    notBefore: 0,
    notAfter: 4102444800,
  }).finish();
  return proto.CertChain.encode({
    leaf: { details: leaf, signature: randomBytes(64) },
    intermediate: { details: intermediate, signature: randomBytes(64) },
  }).finish();
}
