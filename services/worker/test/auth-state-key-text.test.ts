import { expect } from 'chai';
import { BufferJSON } from 'baileys';
import { parseKeyText } from '../src/auth-state/key-files';

describe('auth-state: key file text', () => {
  const withReviver = (text: string): unknown => JSON.parse(text, BufferJSON.reviver);

  it('parses every key text as the BufferJSON reviver does, with or without Buffers in it', () => {
    const texts = [
      // A Signal session: libsignal writes its keys as base64 strings (no Buffer objects).
      JSON.stringify({ _sessions: { k: { currentRatchet: { rootKey: 'AAEC', previousCounter: 3 }, _chains: {} } }, version: 'v1' }),
      JSON.stringify({ private: Buffer.from([1, 2, 3]), public: Buffer.from([4, 5]) }, BufferJSON.replacer),
      JSON.stringify({ keyData: { buffer: true, value: 'AQID' }, fingerprint: { rawId: 1 } }),
      JSON.stringify({ nested: [{ type: 'Buffer', data: [1, 2] }, 'Buffer', 'type'] }),
      // "Buffer" spelt with an escape: the reviver sees the same string, so the fast path must not skip it.
      '{"type":"\\u0042uffer","data":"AQID"}',
      '{"\\u0062uffer":true,"value":"AQID"}',
      'null',
      '"plain text"',
      '[1,2,{"a":"b"}]',
    ];
    for (const text of texts) expect(parseKeyText(text), text).to.deep.equal(withReviver(text));
    expect(Buffer.isBuffer(parseKeyText('{"type":"\\u0042uffer","data":"AQID"}'))).to.equal(true);
  });

  it('throws on text that is not JSON, as the reviver path does', () => {
    expect(() => parseKeyText('{"a":')).to.throw(SyntaxError);
    expect(() => parseKeyText('{"type":"Buffer",')).to.throw(SyntaxError);
  });
});
