import { useEffect, useState } from 'preact/hooks';

/** Every console URL lives under this base; the ingress answers index.html for any of them. */
export const BASE = '/console';

export function href(path: string): string {
  return `${BASE}${path}`;
}

/** The path under BASE (`/sessions/abc`), without a trailing slash. */
export function currentPath(): string {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : '/';
  return path.replace(/\/+$/, '') || '/';
}

export function navigate(path: string, replace = false): void {
  const url = href(path);
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  dispatchEvent(new PopStateEvent('popstate'));
}

/** The current path, re-rendered on navigation (links, back and forward). */
export function usePath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const update = (): void => setPath(currentPath());
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return path;
}

/** A click on an in-console link: navigate without a page load (unless a modifier asks for a new tab). */
export function onLinkClick(event: MouseEvent, path: string): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(path);
}
