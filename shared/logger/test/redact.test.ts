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
});
