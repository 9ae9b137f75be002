import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { AddressGuard, AddressRefusedError, normalizeHost, systemResolve, type ResolveAll } from '@fleet/net';
import { MediaError, MediaTooLargeError, MediaTypeNotAllowedError, MediaUrlRefusedError, MediaUrlUnreachableError } from '../errors';
import { baseMimetype } from '../limits';
import { ByteMeter } from '../streams/byte-meter';
import { Deadline } from './deadline';

export interface SafeFetcherOptions {
  /** URL schemes fetched. Default `['https:']`. */
  readonly protocols?: ReadonlyArray<'https:' | 'http:'>;
  /** Non-public networks and hosts a fetch may reach anyway (CIDRs, addresses, host names). Default none. */
  readonly allow?: readonly string[];
  /** Extra trusted CA certificate(s), PEM, on top of Node's roots (tests, private CAs). Default none. */
  readonly ca?: string;
  /** Time for each hop's connection and response headers. Default 10 000 ms (never more than `timeoutMs`). */
  readonly headersTimeoutMs?: number;
  /** Time for the whole fetch: every hop, and the body until its last byte. Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Redirects followed, each checked as the first URL was. Default 3. */
  readonly maxRedirects?: number;
  /** User-Agent sent. Default `Fleet-Media/1`. */
  readonly userAgent?: string;
  /** Resolves host names to every address. Default the system resolver (`dns.lookup`, all). */
  readonly resolve?: ResolveAll;
}

export const SAFE_FETCHER_DEFAULTS = {
  protocols: ['https:'],
  allow: [],
  headersTimeoutMs: 10_000,
  timeoutMs: 30_000,
  maxRedirects: 3,
  userAgent: 'Fleet-Media/1',
} as const;

export interface FetchLimits {
  /** Largest body accepted: a larger Content-Length is refused at once, a longer body is cut off. */
  readonly maxBytes: number;
  /** Accepted Content-Types without parameters (`image/jpeg`), or `*`. Default any. */
  readonly allowedTypes?: readonly string[];
}

export interface FetchHead {
  readonly status: number;
  readonly contentType: string;
  /** The body's size when the server said it (Content-Length, or a Content-Range total). */
  readonly contentLength: number | undefined;
}

export interface FetchBody extends FetchHead {
  /** The body, bounded by `maxBytes` and the time limit: it fails with a MediaError past either. */
  readonly stream: Readable;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Answers to HEAD that mean "not this method" rather than "not there" (S3 presigned GET URLs answer 403). */
const HEAD_REFUSED = new Set([403, 405, 501]);

type Resolved = Required<Omit<SafeFetcherOptions, 'ca'>> & { readonly ca: string | undefined };

function resolveOptions(options: SafeFetcherOptions): Resolved {
  const d = SAFE_FETCHER_DEFAULTS;
  const timeoutMs = options.timeoutMs ?? d.timeoutMs;
  return {
    protocols: options.protocols ?? d.protocols,
    allow: options.allow ?? d.allow,
    ca: options.ca,
    headersTimeoutMs: Math.min(options.headersTimeoutMs ?? d.headersTimeoutMs, timeoutMs),
    timeoutMs,
    maxRedirects: options.maxRedirects ?? d.maxRedirects,
    userAgent: options.userAgent ?? d.userAgent,
    resolve: options.resolve ?? systemResolve,
  };
}

/**
 * An HTTP(S) client for media URLs given by callers that cannot be turned against Fleet's own
 * network (SSRF): only allowed schemes; loopback, private, link-local, unspecified, multicast,
 * reserved and cloud metadata addresses refused unless `allow` names them (the `AddressGuard` of
 * @fleet/net, which the dispatcher's webhook deliveries use too); the connection goes to the
 * address that was checked; every redirect is checked again; time and
 * size are bounded while the body streams. Errors are MediaErrors with stable codes.
 */
export class SafeFetcher {
  private readonly options: Resolved;
  /** Which addresses a hop may connect to (@fleet/net): the allow-list, the resolver, the guarded lookup. */
  private readonly guard: AddressGuard;
  /** One TLS context with the extra CA for every request (a `ca` option would build one per connection). */
  private readonly secureContext: SecureContext | undefined;

  constructor(options: SafeFetcherOptions = {}) {
    this.options = resolveOptions(options);
    this.guard = new AddressGuard({ allow: this.options.allow, resolve: this.options.resolve });
    this.secureContext = this.options.ca ? createSecureContext({ ca: [...rootCertificates, this.options.ca] }) : undefined;
  }

  /** What a GET would bring, without the body: HEAD, or a GET of the first byte when HEAD is refused. */
  async preflight(url: string, limits: FetchLimits): Promise<FetchHead> {
    const deadline = new Deadline(this.options.timeoutMs);
    try {
      let { response, host } = await this.exchange(url, 'HEAD', {}, deadline);
      if (HEAD_REFUSED.has(response.statusCode ?? 0)) {
        response.destroy();
        ({ response, host } = await this.exchange(url, 'GET', { range: 'bytes=0-0' }, deadline));
      }
      response.destroy();
      return this.accept(response, host, limits);
    } finally {
      deadline.clear();
    }
  }

  /** The body of a GET, streaming; check `contentType` before reading if it matters. */
  async open(url: string, limits: FetchLimits): Promise<FetchBody> {
    const deadline = new Deadline(this.options.timeoutMs);
    let response: IncomingMessage | undefined;
    try {
      const exchange = await this.exchange(url, 'GET', {}, deadline);
      response = exchange.response;
      const head = this.accept(response, exchange.host, limits);
      return { ...head, stream: this.bodyOf(response, exchange.host, limits.maxBytes, deadline) };
    } catch (error) {
      response?.destroy();
      deadline.clear();
      throw error;
    }
  }

  /** Status, type and length of a final answer, or the error it means. */
  private accept(response: IncomingMessage, host: string, limits: FetchLimits): FetchHead {
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) throw new MediaUrlUnreachableError(host, 'the server did not answer 2xx', status);
    const contentType = response.headers['content-type'] ?? 'application/octet-stream';
    const allowed = limits.allowedTypes;
    if (allowed && !allowed.includes('*') && !allowed.includes(baseMimetype(contentType))) {
      throw new MediaTypeNotAllowedError('fetched media', contentType, allowed);
    }
    const contentLength = lengthOf(response);
    if (contentLength !== undefined && contentLength > limits.maxBytes) throw new MediaTooLargeError(limits.maxBytes, 'the fetched body');
    return { status, contentType, contentLength };
  }

  private bodyOf(response: IncomingMessage, host: string, maxBytes: number, deadline: Deadline): Readable {
    const meter = new ByteMeter({ maxBytes, tooLarge: () => new MediaTooLargeError(maxBytes, 'the fetched body') });
    deadline.onExpiry(() => meter.destroy(new MediaUrlUnreachableError(host, `the body did not arrive within ${this.options.timeoutMs} ms`)));
    response.on('error', (error) => meter.destroy(this.mapError(host, error)));
    response.on('close', () => {
      if (!response.complete) meter.destroy(new MediaUrlUnreachableError(host, 'the connection closed before the body ended'));
    });
    meter.on('close', () => {
      deadline.clear();
      response.destroy();
    });
    response.pipe(meter);
    return meter;
  }

  /** One request, following redirects (each hop checked); resolves with the final answer's head. */
  private async exchange(
    url: string,
    method: 'GET' | 'HEAD',
    headers: Record<string, string>,
    deadline: Deadline,
  ): Promise<{ response: IncomingMessage; host: string }> {
    let current = this.parse(url);
    for (let hop = 0; ; hop += 1) {
      const host = normalizeHost(current.hostname);
      const response = await this.send(current, host, method, headers, deadline);
      const location = response.headers.location;
      if (!REDIRECTS.has(response.statusCode ?? 0) || !location) return { response, host };
      response.destroy();
      if (hop >= this.options.maxRedirects) throw new MediaUrlRefusedError(host, `more than ${this.options.maxRedirects} redirects`);
      current = this.parse(location, current);
    }
  }

  private send(url: URL, host: string, method: string, headers: Record<string, string>, deadline: Deadline): Promise<IncomingMessage> {
    let connect: { lookup?: LookupFunction };
    try {
      connect = this.guard.connectOptions(host);
    } catch (error) {
      return Promise.reject(this.mapError(host, error));
    }
    const waitMs = Math.min(this.options.headersTimeoutMs, deadline.remaining());
    if (waitMs <= 0) return Promise.reject(new MediaUrlUnreachableError(host, `no answer within ${this.options.timeoutMs} ms`));
    return new Promise((resolve, reject) => {
      const client = url.protocol === 'https:' ? https : http;
      const request = client.request(url, {
        method,
        agent: false,
        ...connect,
        ...(url.protocol === 'https:' && this.secureContext ? { secureContext: this.secureContext } : {}),
        headers: { 'user-agent': this.options.userAgent, accept: '*/*', 'accept-encoding': 'identity', ...headers },
      });
      const timer = setTimeout(() => request.destroy(new MediaUrlUnreachableError(host, `no answer within ${waitMs} ms`)), waitMs);
      request.once('response', (response) => {
        clearTimeout(timer);
        request.on('error', () => undefined); // from here on, failures come through the response
        resolve(response);
      });
      request.once('error', (error) => {
        clearTimeout(timer);
        reject(this.mapError(host, error));
      });
      request.end();
    });
  }

  private parse(text: string, base?: URL): URL {
    let url: URL;
    try {
      url = new URL(text, base);
    } catch {
      throw new MediaUrlRefusedError(base ? normalizeHost(base.hostname) : '', 'not a valid URL');
    }
    if (!(this.options.protocols as readonly string[]).includes(url.protocol)) {
      throw new MediaUrlRefusedError(normalizeHost(url.hostname), `the scheme ${url.protocol} is not allowed (only ${this.options.protocols.join(', ')})`);
    }
    return url;
  }

  private mapError(host: string, error: unknown): MediaError {
    if (error instanceof MediaError) return error;
    if (error instanceof AddressRefusedError) return new MediaUrlRefusedError(error.host, error.reason);
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (['ENOTFOUND', 'EAI_AGAIN', 'EAI_NODATA', 'EAI_FAIL'].includes(code))
      return new MediaUrlUnreachableError(host, `DNS lookup failed (${code})`, undefined, error);
    if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_TLS_CERT)/.test(code)) {
      return new MediaUrlUnreachableError(host, `TLS failed (${code})`, undefined, error);
    }
    return new MediaUrlUnreachableError(host, `connection failed (${code || (error instanceof Error ? error.message : String(error))})`, undefined, error);
  }
}

/** Content-Length, or the total of `Content-Range: bytes 0-0/<total>`. */
function lengthOf(response: IncomingMessage): number | undefined {
  const range = /\/(\d+)\s*$/.exec(response.headers['content-range'] ?? '');
  const text = range ? range[1] : response.statusCode === 206 ? undefined : response.headers['content-length'];
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}
