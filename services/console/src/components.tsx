import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from './api';
import { qrPath } from './qr';
import { href, onLinkClick } from './router';

export function Link(props: { to: string; children: ComponentChildren; class?: string; testId?: string }) {
  return (
    <a href={href(props.to)} class={props.class} data-testid={props.testId} onClick={(e) => onLinkClick(e, props.to)}>
      {props.children}
    </a>
  );
}

export function ErrorNote(props: { error: unknown; what?: string }) {
  if (!props.error) return null;
  return (
    <p class="note error" role="alert">
      {props.what ? `${props.what}: ` : ''}
      {describeError(props.error)}
    </p>
  );
}

const STATUS_TONES: Record<string, string> = {
  connected: 'good',
  healthy: 'good',
  active: 'good',
  verified: 'good',
  delivered: 'good',
  read: 'good',
  sent: 'good',
  qr: 'warn',
  starting: 'warn',
  disconnected: 'warn',
  draining: 'warn',
  queued: 'warn',
  sending: 'warn',
  waiting: 'warn',
  unverified: 'warn',
  failed: 'bad',
  logged_out: 'bad',
  unhealthy: 'bad',
  unreachable: 'bad',
  fenced: 'bad',
  corrupt: 'bad',
  incomplete: 'bad',
};

export function Badge(props: { value: string; testId?: string }) {
  return (
    <span class={`badge ${STATUS_TONES[props.value] ?? 'neutral'}`} data-testid={props.testId}>
      {props.value.replace('_', ' ')}
    </span>
  );
}

/** A modal confirmation: nothing happens until the operator says yes. */
export function Confirm(props: {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<void> | void;
  onClose: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    cancel.current?.focus();
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') props.onClose();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
  const confirm = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm();
      props.onClose();
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <div class="overlay">
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="confirm-title" data-testid="confirm-dialog">
        <h2 id="confirm-title">{props.title}</h2>
        <div class="dialog-body">{props.children}</div>
        <ErrorNote error={error} />
        <div class="actions">
          <button type="button" ref={cancel} onClick={props.onClose} disabled={busy} data-testid="confirm-cancel">
            Cancel
          </button>
          <button type="button" class={props.danger ? 'danger' : 'primary'} onClick={() => void confirm()} disabled={busy} data-testid="confirm-yes">
            {busy ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

/** A QR code drawn as SVG from its string (encoded in the page: no image request, no CDN). */
export function QrCode(props: { text: string }) {
  const { size, path } = qrPath(props.text);
  return (
    <svg
      class="qr"
      viewBox={`0 0 ${size} ${size}`}
      role="img"
      aria-label="QR code to scan with WhatsApp"
      data-testid="qr"
      data-qr={props.text}
      shape-rendering="crispEdges"
    >
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

export function Field(props: { label: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span>{props.label}</span>
      {props.children}
    </label>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="note">{props.children}</p>;
}
