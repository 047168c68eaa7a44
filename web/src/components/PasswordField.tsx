// Password input with a show/hide toggle.
import { useState } from 'react';
import { useT } from '../i18n';
import { EyeIcon, EyeOffIcon } from './icons';

interface Props {
  value: string;
  onChange(value: string): void;
  autoComplete: 'new-password' | 'current-password';
  invalid: boolean;
  describedBy: string;
  disabled: boolean;
}

export function PasswordField({ value, onChange, autoComplete, invalid, describedBy, disabled }: Props) {
  const t = useT();
  const [visible, setVisible] = useState(false);
  return (
    <div className="password-field">
      <input
        id="auth-password"
        data-testid="auth-password"
        type={visible ? 'text' : 'password'}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        autoComplete={autoComplete}
        aria-invalid={invalid}
        aria-describedby={describedBy}
        disabled={disabled}
      />
      <button
        type="button"
        className="icon-button password-toggle"
        data-testid="auth-password-toggle"
        aria-label={t(visible ? 'auth.password.hide' : 'auth.password.show')}
        title={t(visible ? 'auth.password.hide' : 'auth.password.show')}
        aria-pressed={visible}
        onClick={() => setVisible((v) => !v)}
      >
        {visible ? <EyeOffIcon /> : <EyeIcon />}
      </button>
    </div>
  );
}
