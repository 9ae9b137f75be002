import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Api, describeError, type KeyInfo } from './api';
import { Link } from './components';
import { BackupsPage } from './pages/backups';
import { EventsPage } from './pages/events';
import { FleetPage } from './pages/fleet';
import { MessagePage } from './pages/messages';
import { SessionDetailPage } from './pages/session-detail';
import { SessionsPage } from './pages/sessions';
import { SignInPage } from './pages/sign-in';
import { navigate, usePath } from './router';
import { SignedInContext, storedKey, storedKeyInfo, storeKey, storeKeyInfo } from './session';

interface Nav {
  readonly path: string;
  readonly label: string;
  readonly admin: boolean;
}

const NAV: readonly Nav[] = [
  { path: '/fleet', label: 'Fleet', admin: true },
  { path: '/sessions', label: 'Sessions', admin: false },
  { path: '/messages', label: 'Messages', admin: false },
  { path: '/events', label: 'Events', admin: false },
  { path: '/backups', label: 'Backups', admin: true },
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
  const api = useMemo(() => (secret ? new Api(secret, () => {
    setError('The key is no longer accepted; sign in again.');
    signOut();
  }) : null), [secret]);

  useEffect(() => {
    if (!api) return;
    // Checked on every load (a key can be revoked); a known key renders meanwhile with what it could do.
    api.whoAmI().then((info) => {
      storeKeyInfo(info);
      setKey(info);
    }, (e: unknown) => {
      setError(describeError(e));
      signOut();
    });
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
  const nav = NAV.filter((item) => key.kind === 'admin' || !item.admin);
  const home = nav[0]!.path;
  return (
    <SignedInContext.Provider value={{ api, key }}>
      <header class="top">
        <Link to={home} class="brand">Fleet</Link>
        <nav aria-label="Pages">
          {nav.map((item) => (
            <Link key={item.path} to={item.path} class={path === item.path || path.startsWith(`${item.path}/`) ? 'active' : ''} testId={`nav-${item.label.toLowerCase()}`}>
              {item.label}
            </Link>
          ))}
        </nav>
        <div class="who">
          <span class="badge neutral" data-testid="key-kind">{key.kind === 'admin' ? 'admin key' : `workspace ${key.workspace_id}`}</span>
          <button type="button" class="link" onClick={signOut} data-testid="sign-out">Sign out</button>
        </div>
      </header>
      <main>
        <Page path={path} home={home} key={path} />
      </main>
    </SignedInContext.Provider>
  );
}

function Page(props: { path: string; home: string }) {
  const { path } = props;
  const [, section, id] = path.split('/');
  useEffect(() => {
    if (path === '/') navigate(props.home, true);
  }, [path]);
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
          <p class="note">No console page at {path}. <Link to={props.home}>Back</Link></p>
        </section>
      );
  }
}

render(<App />, document.getElementById('app')!);
