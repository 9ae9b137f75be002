export { FileAuthState, DEFAULT_JOURNAL_MAX_BYTES, type FileAuthStateOptions } from './file-auth-state';
export { KeyCache, sharedKeyCache, type KeyCacheOptions } from './key-cache';
export { sessionStorageDir, SESSION_ID_PATTERN, InvalidIdError } from './session-dir';
export { StaleEpochError, FenceMissingError, AuthStateClosedError, CorruptAuthStateError } from './errors';
export { DiskThreads, DEFAULT_DISK_THREADS, DiskOperationError, sharedDiskThreads, type DiskObserver } from './disk-threads';
export { parseFence, formatFence, fenceHolder, type Fence } from './fence-file';
export { keyFileName, CREDS_FILE, FENCE_FILE, JOURNAL_FILE } from './file-names';
export { readStoredCredsSync } from './disk-ops';
