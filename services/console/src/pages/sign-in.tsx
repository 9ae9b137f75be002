import { useState } from 'preact/hooks';

export function SignInPage(props: { checking: boolean; error: string | null; onSignIn: (key: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <main class="sign-in">
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) props.onSignIn(value.trim());
        }}
      >
        <h1>Fleet console</h1>
        <p class="note">
          Sign in with an API key: an admin key sees the whole fleet, a workspace key (<code>fk_…</code>) its own workspace. The key stays in this tab only.
        </p>
        <label class="field">
          <span>API key</span>
          <input type="password" autocomplete="off" value={value} onInput={(e) => setValue(e.currentTarget.value)} data-testid="api-key" required />
        </label>
        {props.error ? (
          <p class="note error" role="alert" data-testid="sign-in-error">
            {props.error}
          </p>
        ) : null}
        <button type="submit" class="primary" disabled={props.checking} data-testid="sign-in">
          {props.checking ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
