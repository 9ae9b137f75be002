export { FileAuthState, type FileAuthStateOptions } from './file-auth-state';
export { KeyCache, sharedKeyCache, type KeyCacheOptions } from './key-cache';
export { sessionStorageDir, SESSION_ID_PATTERN, InvalidIdError } from './session-dir';
export { StaleEpochError, FenceMissingError, AuthStateClosedError, CorruptAuthStateError } from './errors';
export { writeFileAtomic, type AtomicWriteOptions } from './atomic-file';
export { keyFileName, CREDS_FILE, FENCE_FILE } from './file-names';
