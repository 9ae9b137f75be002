import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  /** Loads again now (after an action). */
  reload(): void;
}

/**
 * Loads `load()` when `deps` change and again every `everyMs` (0: once). A newer load supersedes an
 * older one still in flight; the last good data stays shown while a reload fails.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[], everyMs = 0): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async (): Promise<void> => {
      try {
        const value = await loadRef.current(controller.signal);
        if (controller.signal.aborted) return;
        setData(value);
        setError(undefined);
      } catch (e) {
        if (controller.signal.aborted) return;
        setError(e);
      } finally {
        if (!controller.signal.aborted) {
          setLoading(false);
          if (everyMs > 0) timer = setTimeout(() => void run(), everyMs);
        }
      }
    };
    setLoading(true);
    void run();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [...deps, tick, everyMs]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** A value in the URL's query string (`?workspace=5`), kept in step with the address bar. */
export function useQueryParam(name: string): [string, (value: string) => void] {
  const read = (): string => new URLSearchParams(location.search).get(name) ?? '';
  const [value, setValue] = useState(read);
  useEffect(() => {
    const update = (): void => setValue(read());
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, [name]);
  const set = useCallback(
    (next: string) => {
      const params = new URLSearchParams(location.search);
      if (next) params.set(name, next);
      else params.delete(name);
      const query = params.toString();
      history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}`);
      setValue(next);
    },
    [name],
  );
  return [value, set];
}
