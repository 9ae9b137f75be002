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
  if (key === null) sessionStorage.removeItem(STORAGE_KEY);
  else sessionStorage.setItem(STORAGE_KEY, key);
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
