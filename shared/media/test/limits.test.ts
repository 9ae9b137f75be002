import { expect } from 'chai';
import { checkMedia, MAX_MEDIA_BYTES, MEDIA_LIMITS, MediaTooLargeError, MediaTypeNotAllowedError, safeFilename } from '../src';

const MiB = 1024 * 1024;

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('media: limits per media type (MEDIA_LIMITS, checkMedia)', () => {
  it('takes what WhatsApp takes, up to the type limit', () => {
    expect(checkMedia('image', 'image/jpeg', 16 * MiB)).to.equal(MEDIA_LIMITS.image);
    expect(checkMedia('image', 'IMAGE/PNG')).to.equal(MEDIA_LIMITS.image);
    expect(checkMedia('video', 'video/3gpp', 1)).to.equal(MEDIA_LIMITS.video);
    expect(checkMedia('audio', 'audio/ogg; codecs=opus', 100)).to.equal(MEDIA_LIMITS.audio);
    expect(checkMedia('document', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 100 * MiB)).to.equal(MEDIA_LIMITS.document);
    expect(checkMedia('sticker', 'image/webp', 500 * 1024)).to.equal(MEDIA_LIMITS.sticker);
    expect(MAX_MEDIA_BYTES).to.equal(100 * MiB);
  });

  it('refuses a mimetype the type does not take, naming the allowed ones', () => {
    const error = thrown(() => checkMedia('sticker', 'image/png')) as MediaTypeNotAllowedError;
    expect(error).to.be.instanceOf(MediaTypeNotAllowedError);
    expect(error.code).to.equal('MEDIA_TYPE_NOT_ALLOWED');
    expect(error.status).to.equal(415);
    expect(error.details.allowed).to.deep.equal(['image/webp']);
    expect(error.message).to.contain('image/webp');
    expect(thrown(() => checkMedia('image', 'image/gif'))).to.be.instanceOf(MediaTypeNotAllowedError);
    expect(thrown(() => checkMedia('audio', 'audio/wav'))).to.be.instanceOf(MediaTypeNotAllowedError);
  });

  it('refuses an unknown type and malformed mimetypes (also for documents)', () => {
    expect((thrown(() => checkMedia('gif', 'image/gif')) as MediaTypeNotAllowedError).details.allowed).to.deep.equal([
      'image',
      'video',
      'audio',
      'document',
      'sticker',
    ]);
    for (const bad of ['', 'pdf', 'application/pdf\r\nX-Evil: 1', 'text/plain; charset', 'a/b/c']) {
      expect(
        thrown(() => checkMedia('document', bad)),
        JSON.stringify(bad),
      ).to.be.instanceOf(MediaTypeNotAllowedError);
    }
  });

  it('refuses a size over the limit with MediaTooLargeError naming it', () => {
    const error = thrown(() => checkMedia('sticker', 'image/webp', 500 * 1024 + 1)) as MediaTooLargeError;
    expect(error).to.be.instanceOf(MediaTooLargeError);
    expect(error.status).to.equal(413);
    expect(error.details).to.deep.equal({ limit_bytes: 500 * 1024, what: 'sticker' });
    expect(error.message).to.contain('500 KiB');
    expect(thrown(() => checkMedia('image', 'image/png', 16 * MiB + 1))).to.be.instanceOf(MediaTooLargeError);
  });

  it('keeps only the last path segment of a file name, without control characters', () => {
    expect(safeFilename('C:\\Users\\me\\report.pdf')).to.equal('report.pdf');
    expect(safeFilename('../../etc/passwd')).to.equal('passwd');
    expect(safeFilename('a\r\nb.txt')).to.equal('ab.txt');
    expect(safeFilename('..')).to.equal(undefined);
    expect(safeFilename('  ')).to.equal(undefined);
    expect(safeFilename('é'.repeat(300))).to.equal('é'.repeat(200));
  });
});
