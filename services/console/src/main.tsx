import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Api, can, describeError, type KeyInfo, type Scope } from './api';
import { Link } from './components';
import { BackupsPage } from './pages/backups';
import { EventsPage } from './pages/events';
import { FleetPage } from './pages/fleet';
import { MessagePage } from './pages/messages';
import { SessionDetailPage } from './pages/session-detail';
import { SessionsPage } from './pages/sessions';
import { SignInPage } from './pages/sign-in';
import { navigate, usePath } from './router';
import { SignedInContext, storedKey, storedKeyInfo, storeKey, storeKeyInfo, useSignedIn } from './session';

interface Nav {
  readonly path: string;
  readonly label: string;
  /** What the page's routes need (ROUTE_ACCESS): a key without it is not offered the page. */
  readonly needs: Scope | 'admin';
}

const NAV: readonly Nav[] = [
  { path: '/fleet', label: 'Fleet', needs: 'admin' },
  { path: '/sessions', label: 'Sessions', needs: 'sessions:read' },
  { path: '/messages', label: 'Messages', needs: 'sessions:read' },
  { path: '/events', label: 'Events', needs: 'events:read' },
  { path: '/backups', label: 'Backups', needs: 'admin' },
];

function App() {
  const [secret, setSecret] = useState<string | null>(storedKey());
  const [key, setKey] = useState<KeyInfo | null>(() => (storedKey() ? storedKeyInfo() : null));
  const [error, setError] = useState<string | null>(null);
  const path = usePath();
  const signOut = (): void => {
    storeKey(null);
    setSecret(null);
    setKey(null);
  };
  const api = useMemo(
    () =>
      secret
        ? new Api(secret, () => {
            setError('The key is no longer accepted; sign in again.');
            signOut();
          })
        : null,
    [secret],
  );

  useEffect(() => {
    if (!api) return;
    // Checked on every load (a key can be revoked); a known key renders meanwhile with what it could do.
    api.whoAmI().then(
      (info) => {
        storeKeyInfo(info);
        setKey(info);
      },
      (e: unknown) => {
        setError(describeError(e));
        signOut();
      },
    );
  }, [api]);

  if (!api || !key) {
    return (
      <SignInPage
        checking={api !== null}
        error={error}
        onSignIn={(value) => {
          setError(null);
          storeKey(value);
          setSecret(value);
        }}
      />
    );
  }
  const nav = NAV.filter((item) => can(key, item.needs));
  const home = nav[0]?.path ?? '/';
  return (
    <SignedInContext.Provider value={{ api, key }}>
      <header class="top">
        <Link to={home} class="brand">
          Fleet
        </Link>
        <nav aria-label="Pages">
          {nav.map((item) => (
            <Link
              key={item.path}
              to={item.path}
              class={path === item.path || path.startsWith(`${item.path}/`) ? 'active' : ''}
              testId={`nav-${item.label.toLowerCase()}`}
            >
              {item.label}
            </Link>
          ))}
        </nav>
        <div class="who">
          <span class="badge neutral" data-testid="key-kind">
            {key.kind === 'admin' ? 'admin key' : `workspace ${key.workspace_id}`}
          </span>
          <button type="button" class="link" onClick={signOut} data-testid="sign-out">
            Sign out
          </button>
        </div>
      </header>
      <main>
        <Page path={path} home={home} allowed={nav} key={path} />
      </main>
    </SignedInContext.Provider>
  );
}

function Page(props: { path: string; home: string; allowed: readonly Nav[] }) {
  const { path } = props;
  const [, section, id] = path.split('/');
  useEffect(() => {
    if (path === '/' && props.home !== '/') navigate(props.home, true);
  }, [path]);
  const nav = NAV.find((item) => item.path === `/${section}`);
  if (nav && !props.allowed.includes(nav)) return <NotAllowed nav={nav} home={props.home} />;
  if (props.allowed.length === 0) return <NotAllowed home={props.home} />;
  switch (section) {
    case 'fleet':
      return <FleetPage />;
    case 'sessions':
      return id ? <SessionDetailPage sessionId={decodeURIComponent(id)} /> : <SessionsPage />;
    case 'messages':
      return <MessagePage messageId={id ? decodeURIComponent(id) : undefined} />;
    case 'events':
      return <EventsPage />;
    case 'backups':
      return <BackupsPage />;
    case undefined:
    case '':
      return null;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p class="note">
            No console page at {path}. <Link to={props.home}>Back</Link>
          </p>
        </section>
      );
  }
}

/** A page the key may not use (a deep link or a typed address): said plainly, without calling its routes. */
function NotAllowed(props: { nav?: Nav; home: string }) {
  const { key } = useSignedIn();
  const what = !props.nav
    ? 'This key may not read anything the console shows'
    : props.nav.needs === 'admin'
      ? `${props.nav.label} needs an admin key`
      : `${props.nav.label} needs the ${props.nav.needs} scope`;
  return (
    <section>
      <h1>{props.nav?.label ?? 'Nothing to show'}</h1>
      <p class="note warn" data-testid="page-not-allowed">
        {what} (this key: {key.kind === 'admin' ? 'admin' : `workspace ${key.workspace_id}, ${key.scopes.join(', ') || 'no scopes'}`}).{' '}
        {props.home !== '/' ? <Link to={props.home}>Back</Link> : null}
      </p>
    </section>
  );
}

render(<App />, document.getElementById('app')!);
