import { useId, useState, type FormEvent } from 'react';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { useT, type MessageKey } from '../i18n';
import { useA11y } from '../i18n/a11y';
import { errorText } from '../i18n/errors';
import { login, register, useSessionStore } from '../stores/session';

/**
 * The register rules, checked here too so the message is in the user's language. The protocol module (with its
 * validators) is not part of the first chunk, so its limits are imported when they are needed; the same import
 * warms up the chunk the app needs right after logging in.
 */
async function validateNew(username: string, password: string): Promise<MessageKey | null> {
  const { LIMITS, USERNAME_PATTERN } = await import('@parley/protocol');
  if (username.length < LIMITS.usernameMinLength || username.length > LIMITS.usernameMaxLength || !new RegExp(USERNAME_PATTERN).test(username)) {
    return 'auth.usernameHint';
  }
  if (password.length < LIMITS.passwordMinLength || password.length > LIMITS.passwordMaxLength) return 'auth.passwordHint';
  return null;
}

export function AuthScreen() {
  const t = useT();
  const a11y = useA11y();
  const expired = useSessionStore((s) => s.status === 'anonymous' && s.expired);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState<'login' | 'register' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const usernameId = useId();
  const passwordId = useId();
  const errorId = useId();

  const run = async (mode: 'login' | 'register') => {
    if (busy) return;
    setError(null);
    const name = username.trim();
    // Start fetching the logged-in app while the credentials are checked.
    void import('./Home');
    if (mode === 'register') {
      const problem = await validateNew(name, password);
      if (problem) {
        setError(t(problem));
        return;
      }
    } else if (!name || !password) {
      setError(t('error.INVALID_CREDENTIALS'));
      return;
    }
    setBusy(mode);
    try {
      await (mode === 'login' ? login(name, password) : register(name, password));
    } catch (e) {
      setError(errorText(e, t));
      setBusy(null);
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void run('login');
  };

  return (
    <main className="auth-screen">
      <div className="auth-lang">
        <LanguageSwitch />
      </div>
      <form className="auth-card card" onSubmit={onSubmit} aria-describedby={error ? errorId : undefined} noValidate>
        <div className="brand brand-lg">
          <span className="brand-mark" aria-hidden="true" />
          <span>{t('app.name')}</span>
        </div>
        <h1>{t('auth.title')}</h1>
        <p className="muted">{t('auth.subtitle')}</p>
        {expired && !error && (
          <p className="alert alert-info" role="status">
            {t('auth.sessionExpired')}
          </p>
        )}
        <div className="field">
          <label htmlFor={usernameId}>{t('auth.username')}</label>
          <input
            id={usernameId}
            aria-label={a11y.username}
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoFocus
          />
          <small className="muted">{t('auth.usernameHint')}</small>
        </div>
        <div className="field">
          <label htmlFor={passwordId}>{t('auth.password')}</label>
          <input
            id={passwordId}
            aria-label={a11y.password}
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <small className="muted">{t('auth.passwordHint')}</small>
        </div>
        {error && (
          <p id={errorId} className="alert alert-error" role="alert">
            {error}
          </p>
        )}
        <div className="auth-actions">
          <button type="submit" className="btn btn-primary btn-block" aria-label={a11y.logIn} disabled={busy !== null}>
            {busy === 'login' ? t('auth.working') : t('auth.login')}
          </button>
          <button
            type="button"
            className="btn btn-secondary btn-block"
            aria-label={a11y.createAccount}
            disabled={busy !== null}
            onClick={() => void run('register')}
          >
            {busy === 'register' ? t('auth.working') : t('auth.register')}
          </button>
        </div>
      </form>
      <p className="auth-tagline muted">{t('app.tagline')}</p>
    </main>
  );
}
