import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api, KeyInfo } from './api';

/** The signed-in key: kept in sessionStorage (this tab only, gone when it closes), never in a cookie or localStorage. */
const STORAGE_KEY = 'fleet-console-key';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeKey(key: string | null): void {
  if (key === null) {
    sessionStorage.removeItem(STORAGE_KEY);
    sessionStorage.removeItem(INFO_KEY);
  } else sessionStorage.setItem(STORAGE_KEY, key);
}

/** What the key may do, as last answered: a reload renders at once with it while it is checked again. */
const INFO_KEY = 'fleet-console-key-info';

export function storedKeyInfo(): KeyInfo | null {
  try {
    const text = sessionStorage.getItem(INFO_KEY);
    const value = text ? (JSON.parse(text) as KeyInfo) : null;
    return value && (value.kind === 'admin' || value.kind === 'workspace') && Array.isArray(value.scopes) ? value : null;
  } catch {
    return null;
  }
}

export function storeKeyInfo(info: KeyInfo): void {
  sessionStorage.setItem(INFO_KEY, JSON.stringify(info));
}

export interface SignedIn {
  readonly api: Api;
  readonly key: KeyInfo;
}

export const SignedInContext = createContext<SignedIn | null>(null);

export function useSignedIn(): SignedIn {
  const value = useContext(SignedInContext);
  if (!value) throw new Error('not signed in');
  return value;
}
