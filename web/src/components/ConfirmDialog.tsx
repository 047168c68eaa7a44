// "Are you sure?" for actions that cannot be undone (removing a member, disbanding, blocking).
import { useState } from 'react';
import { errorKey } from '../errors';
import { useT } from '../i18n';
import { Dialog } from './Dialog';

interface Props {
  title: string;
  body: string;
  confirmLabel: string;
  /** Runs the action; the dialog stays open with the error if it throws. */
  onConfirm(): Promise<void>;
  onClose(): void;
  danger?: boolean;
}

export function ConfirmDialog({ title, body, confirmLabel, onConfirm, onClose, danger = true }: Props) {
  const t = useT();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Dialog title={title} onClose={() => !busy && onClose()} testId="confirm-dialog">
      <p className="dialog-body">{body}</p>
      {error ? (
        <p className="form-error" role="alert" data-testid="confirm-error">
          {t(errorKey(error))}
        </p>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button" data-testid="confirm-cancel" onClick={onClose} disabled={busy}>
          {t('common.cancel')}
        </button>
        <button
          type="button"
          className={`button ${danger ? 'button--danger' : 'button--primary'}`}
          data-testid="confirm-ok"
          onClick={confirm}
          disabled={busy}
          aria-busy={busy}
        >
          {busy ? <span className="spinner spinner--small" aria-hidden="true" /> : null}
          {confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
