import { expect } from 'chai';
import { REDACTED, redactText, redactValue } from '../src';

describe('logger: redaction', () => {
  it('removes phone numbers, JIDs and bearer tokens from text', () => {
    const line = redactText('send to 15551234567@s.whatsapp.net from +4915112345678 with Bearer abc.def-123');
    expect(line).not.to.match(/15551234567|4915112345678|abc\.def-123/);
  });

  it('replaces secret fields and scrubs nested strings', () => {
    const out = redactValue({ to: '+15551234567', nested: { note: 'jid 4915112345678:3@s.whatsapp.net' }, count: 3, token: 'x' }) as Record<string, unknown>;
    expect(out.to).to.equal(REDACTED);
    expect(out.token).to.equal(REDACTED);
    expect(out.count).to.equal(3);
    expect(JSON.stringify(out.nested)).not.to.contain('4915112345678');
  });

  it('never returns a raw object past its depth bound, however deep the secret sits', () => {
    let deep: Record<string, unknown> = { to: '+15551234567', note: 'call 4915112345678', token: 'tok-secret' };
    for (let i = 0; i < 12; i += 1) deep = { level: i, child: deep };
    const line = JSON.stringify(redactValue({ payload: deep }));
    expect(line).not.to.match(/15551234567|4915112345678|tok-secret/);
  });

  it('redacts the keys that carry message text (Baileys protos and our own names)', () => {
    const message = {
      conversation: 'meet me at the clinic',
      imageMessage: { caption: 'my passport' },
      extendedTextMessage: { text: 'the pin is 4242' },
      message_text: 'private one',
      messageText: 'private two',
      kind: 'conversation',
    };
    const out = redactValue({ message }) as { message: Record<string, unknown> };
    expect(JSON.stringify(out)).not.to.match(/clinic|passport|4242|private/);
    expect(out.message.kind).to.equal('conversation');
  });

  it("never writes a proxy URL's credentials nor a pairing code", () => {
    const error = new Error('connect ECONNREFUSED via socks5://alice:s3cret@proxy.example:1080 and http://bob@10.0.0.1:3128');
    const out = JSON.stringify(redactValue({ error, proxy: 'http://plain.example:8080', proxyUrl: 'x', pairingCode: 'ABCD1234', note: 'https://u:p@h/' }));
    expect(out).not.to.match(/alice|s3cret|bob@|plain\.example|ABCD1234|u:p/);
    expect(out).to.contain('socks5://[redacted]@proxy.example:1080');
    expect(redactText('see https://example.com/a@b'), 'an @ in a path is no credential').to.equal('see https://example.com/a@b');
    // A raw @ in the password: a URL parser takes the last @ of the authority, and so does the redaction.
    expect(redactText('via socks5://alice:p@ss@w0rd@proxy.example:1080/x?a@b')).to.equal('via socks5://[redacted]@proxy.example:1080/x?a@b');
    expect(redactText('http://u:pw@h1 and http://v:pw2@h2')).to.equal('http://[redacted]@h1 and http://[redacted]@h2');
  });
});
