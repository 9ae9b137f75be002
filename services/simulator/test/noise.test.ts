import { expect } from 'chai';
import { Curve, NOISE_WA_HEADER, initAuthCreds, makeNoiseHandler, proto } from 'baileys';
import { FrameDecoder, encodeFrame } from '../src/transport/frame-codec';
import { NoiseServerHandshake, buildCertChain } from '../src/transport/noise-server';
import { generateKeyPair } from '../src/transport/x25519';
import { randomBytes } from 'node:crypto';
import { silentBaileysLogger } from './helpers/baileys-client';

describe('frame codec', () => {
  it('strips the intro once and reassembles frames split across chunks', () => {
    const decoder = new FrameDecoder();
    const first = Buffer.concat([Buffer.from([0x57, 0x41, 6, 2]), encodeFrame(Buffer.from('hello'))]);
    const second = Buffer.concat([encodeFrame(Buffer.from('a')), encodeFrame(Buffer.alloc(70_000, 1))]);
    const out1 = decoder.push(first);
    expect(out1.intro).to.deep.equal(Buffer.from([0x57, 0x41, 6, 2]));
    expect(out1.frames.map(String)).to.deep.equal(['hello']);
    const out2 = decoder.push(second.subarray(0, 10));
    expect(out2.intro).to.equal(undefined);
    expect(out2.frames.map(String)).to.deep.equal(['a']);
    const out3 = decoder.push(second.subarray(10));
    expect(out3.frames).to.have.length(1);
    expect(out3.frames[0]!.length).to.equal(70_000);
  });

  it('rejects a first frame without the WA intro', () => {
    expect(() => new FrameDecoder().push(Buffer.from('GET / HTTP/1.1'))).to.throw(/intro/);
  });
});

describe("Noise XX server handshake against Baileys' own client handler", () => {
  it('agrees on transport keys in both directions', async () => {
    const serverStatic = generateKeyPair();
    const server = new NoiseServerHandshake(serverStatic, buildCertChain(serverStatic.public, randomBytes));
    const ephemeral = Curve.generateKeyPair();
    const creds = initAuthCreds();
    const client = makeNoiseHandler({ keyPair: ephemeral, NOISE_HEADER: NOISE_WA_HEADER, logger: silentBaileysLogger as never });

    server.intro(Buffer.from(NOISE_WA_HEADER));
    const hello = proto.HandshakeMessage.encode({ clientHello: { ephemeral: ephemeral.public } }).finish();
    const serverHello = proto.HandshakeMessage.decode(server.clientHello(Buffer.from(hello)));
    const keyEnc = await client.processHandshake(serverHello, creds.noiseKey);
    const payload = proto.ClientPayload.encode({ username: 15550001111, device: 3, passive: false }).finish();
    const finish = proto.HandshakeMessage.encode({ clientFinish: { static: keyEnc, payload: client.encrypt(payload) } }).finish();
    const result = server.clientFinish(Buffer.from(finish));
    await client.finishInit();

    expect(result.clientStaticKey).to.deep.equal(Buffer.from(creds.noiseKey.public));
    expect(Number(result.payload.username)).to.equal(15550001111);
    expect(result.payload.device).to.equal(3);
    expect(result.cipher.decrypt(client.encrypt(Buffer.from('to server'))).toString()).to.equal('to server');
    expect(Buffer.from(client.decrypt(result.cipher.encrypt(Buffer.from('to client')))).toString()).to.equal('to client');
    expect(result.cipher.decrypt(client.encrypt(Buffer.from('again'))).toString()).to.equal('again');
  });

  it('refuses a client finish that does not decrypt', () => {
    const serverStatic = generateKeyPair();
    const server = new NoiseServerHandshake(serverStatic, buildCertChain(serverStatic.public, randomBytes));
    server.intro(Buffer.from(NOISE_WA_HEADER));
    server.clientHello(Buffer.from(proto.HandshakeMessage.encode({ clientHello: { ephemeral: Curve.generateKeyPair().public } }).finish()));
    const bogus = proto.HandshakeMessage.encode({ clientFinish: { static: randomBytes(48), payload: randomBytes(40) } }).finish();
    expect(() => server.clientFinish(Buffer.from(bogus))).to.throw(/could not decrypt/);
  });
});
