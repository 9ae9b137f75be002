export {
  MEDIA_ERROR_CODES,
  MediaError,
  MediaTooLargeError,
  MediaTypeNotAllowedError,
  MediaNotFoundError,
  MediaNotAvailableError,
  MediaSignatureInvalidError,
  MediaUrlRefusedError,
  MediaUrlUnreachableError,
  MediaHashMismatchError,
  describeBytes,
  type MediaErrorCode,
} from './errors';
export {
  MEDIA_TYPES,
  MEDIA_LIMITS,
  MAX_MEDIA_BYTES,
  checkMedia,
  isMediaType,
  baseMimetype,
  isWellFormedMimetype,
  type MediaType,
  type MediaLimit,
} from './limits';
export { MEDIA_ID_PATTERN, newMediaId, isMediaId } from './ids';
export {
  MediaStore,
  MEDIA_STORE_DEFAULTS,
  type MediaStoreOptions,
  type PutInput,
  type ReserveInput,
  type CompleteInput,
  type SweepResult,
} from './store/media-store';
export { MediaSweeper, MEDIA_SWEEPER_DEFAULTS, type MediaSweeperOptions } from './store/media-sweeper';
export type { MediaRecord, MediaKind, MediaStatus } from './store/records';
export { UrlSigner } from './store/url-signer';
export { safeFilename } from './store/filename';
export { SafeFetcher, SAFE_FETCHER_DEFAULTS, type SafeFetcherOptions, type FetchLimits, type FetchHead, type FetchBody } from './fetch/safe-fetcher';
export type { ResolveAll } from '@fleet/net';
export { ByteMeter, type ByteMeterOptions } from './streams/byte-meter';
export { readMediaSettings, readMediaConfig, fetcherOptions, MEDIA_SETTINGS_DEFAULTS, type MediaSettings, type MediaFetchSettings } from './settings';
export { createMediaStore } from './create';
