export { SCOPES, SCOPE_SUMMARIES, isScope, normalizeScopes, type Scope } from './scopes';
export { KEY_ID_PATTERN, generateKey, hashSecret, looksLikeWorkspaceKey, parseKey, type NewKey } from './key-format';
export { ApiKeyStore, KEY_NAME_PATTERN, type ApiKeyRecord, type CreateKeyRequest } from './key-store';
