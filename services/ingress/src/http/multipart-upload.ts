import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { ApiError, parseWorkspaceId } from '@fleet/errors';
import { ByteMeter, checkMedia, type MediaLimit, type MediaType } from '@fleet/media';

/** The form fields that must come before the file part. */
export interface UploadFields {
  readonly workspaceId: number;
  readonly type: MediaType;
}

/** The file part, streaming: `stream` must be consumed (or destroyed). */
export interface UploadFile {
  readonly stream: Readable;
  readonly mimetype: string;
  readonly filename: string | undefined;
  readonly limit: MediaLimit;
}

export interface ReceiveOptions<T> {
  readonly headers: IncomingHttpHeaders;
  readonly body: Readable;
  /** Bound on the whole request body (the file, the fields, the multipart framing). */
  readonly maxRequestBytes: number;
  /** Stores the file as it arrives; its result is the upload's. */
  readonly store: (fields: UploadFields, file: UploadFile) => Promise<T>;
  /** Undoes a `store` that succeeded when the form fails after the file (a field too many). */
  readonly discard: (stored: T) => Promise<unknown>;
}

export interface Received<T> {
  readonly fields: UploadFields;
  readonly stored: T;
}

/** Thrown with the upload's first error; `bodyLeft` when the request body was not read to its end. */
export class UploadFailure extends Error {
  constructor(
    readonly error: unknown,
    readonly bodyLeft: boolean,
  ) {
    super('upload failed', { cause: error });
  }
}

const invalid = (message: string): ApiError => new ApiError('VALIDATION_FAILED', message);

/**
 * Reads a `multipart/form-data` upload (`workspace_id`, `type`, then one file part named `file`) from
 * the raw request stream with busboy and hands the file to `store` while it arrives: nothing is
 * buffered beyond the streams' own high-water marks, and backpressure from `store` slows the reading
 * of the request. The type's mimetype is checked before a byte of the file is taken. On the first
 * error the request is no longer read and `store` is made to fail (its upload aborted); the promise
 * rejects with UploadFailure once `store` has settled, so nothing is left behind when it does.
 */
export function receiveUpload<T>(options: ReceiveOptions<T>): Promise<Received<T>> {
  return new Promise((resolve, reject) => {
    const tooLarge = (): ApiError => new ApiError('PAYLOAD_TOO_LARGE', `request body is larger than ${options.maxRequestBytes} bytes`);
    const meter = new ByteMeter({ maxBytes: options.maxRequestBytes, tooLarge });
    let parser: busboy.Busboy;
    try {
      // Browsers and curl send file names as raw UTF-8 (WHATWG), not the latin1 busboy assumes.
      parser = busboy({
        headers: options.headers,
        defParamCharset: 'utf8',
        limits: { files: 1, fields: 2, fieldSize: 64, fieldNameSize: 64, headerPairs: 16 },
      });
    } catch (error) {
      reject(new UploadFailure(invalid(`malformed multipart request: ${error instanceof Error ? error.message : String(error)}`), true));
      return;
    }
    const raw: Record<string, string> = {};
    let fields: UploadFields | undefined;
    let storing: Promise<T> | undefined;
    let firstError: unknown;
    let bodyEnded = false;
    let settling = false;

    /** Once the form is parsed or failed: waits for the store (which aborts on failure), then answers. */
    const settle = (): void => {
      if (settling) return;
      settling = true;
      const stored = storing ?? Promise.reject(invalid('the form has no file part (named "file")'));
      stored.then(
        async (value) => {
          if (firstError === undefined && fields) return resolve({ fields, stored: value });
          await options.discard(value).catch(() => undefined);
          reject(new UploadFailure(firstError, !bodyEnded));
        },
        (error: unknown) => reject(new UploadFailure(firstError ?? error, !bodyEnded)),
      );
    };
    const fail = (error: unknown): void => {
      if (firstError !== undefined) return;
      firstError = error;
      options.body.unpipe(meter);
      meter.unpipe(parser);
      parser.destroy(); // fails a file part still streaming, so its upload is aborted
      settle();
    };

    parser.on('field', (name, value) => {
      if (name !== 'workspace_id' && name !== 'type') return fail(invalid(`unknown form field "${name.slice(0, 64)}"; send workspace_id, type and file`));
      raw[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      stream.on('error', () => undefined); // its failure is the upload's, reported through `store` or `fail`
      try {
        if (name !== 'file') throw invalid(`the file part must be named "file", not "${name.slice(0, 64)}"`);
        if (raw.workspace_id === undefined || raw.type === undefined) throw invalid('send the fields workspace_id and type before the file part');
        const workspaceId = parseWorkspaceId(raw.workspace_id);
        const limit = checkMedia(raw.type, info.mimeType);
        fields = { workspaceId, type: raw.type as MediaType };
        storing = options.store(fields, { stream, mimetype: info.mimeType, filename: info.filename, limit });
        storing.catch(fail);
      } catch (error) {
        stream.resume();
        fail(error);
      }
    });
    parser.on('filesLimit', () => fail(invalid('send one file part only')));
    parser.on('fieldsLimit', () => fail(invalid('send the fields workspace_id and type once each')));
    parser.on('error', (error: unknown) => fail(invalid(`malformed multipart body: ${error instanceof Error ? error.message : String(error)}`)));
    parser.on('close', settle);
    meter.on('error', fail);
    options.body.on('error', (error) => fail(invalid(`the request body broke off: ${error.message}`)));
    options.body.on('end', () => (bodyEnded = true));
    options.body.on('close', () => bodyEnded || fail(invalid('the request body broke off')));
    options.body.pipe(meter).pipe(parser);
  });
}
