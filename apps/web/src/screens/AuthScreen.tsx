import { useId, useRef, useState, type FormEvent, type RefObject } from 'react';
import { Field } from '../components/Field';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { useT, type MessageKey } from '../i18n';
import { useA11y } from '../i18n/a11y';
import { errorText } from '../i18n/errors';
import { ApiError } from '../api/endpoints';
import { login, register, useSessionStore } from '../stores/session';

type FieldName = 'username' | 'password';

/**
 * What went wrong, and where: a field the user must fix (it is marked invalid, focused, and the message replaces its
 * hint), or the form as a whole. A failed login may be someone new who never created the account (the server does
 * not say whether the name exists), so it offers to create it with what they typed.
 */
type Problem = { kind: 'field'; field: FieldName; text: string } | { kind: 'form'; text: string; offerRegister: boolean };

/**
 * The register rules, checked here too so the message is in the user's language. The protocol module (with its
 * validators) is not part of the first chunk, so its limits are imported when they are needed; the same import
 * warms up the chunk the app needs right after logging in.
 */
async function validateNew(username: string, password: string): Promise<{ field: FieldName; key: MessageKey } | null> {
  const { LIMITS, USERNAME_PATTERN } = await import('@parley/protocol');
  if (username.length < LIMITS.usernameMinLength || username.length > LIMITS.usernameMaxLength || !new RegExp(USERNAME_PATTERN).test(username)) {
    return { field: 'username', key: 'auth.usernameHint' };
  }
  if (password.length < LIMITS.passwordMinLength || password.length > LIMITS.passwordMaxLength) return { field: 'password', key: 'auth.passwordHint' };
  return null;
}

/** A server refusal that is about one field. */
function fieldOf(error: unknown): FieldName | null {
  return error instanceof ApiError && error.code === 'USERNAME_TAKEN' ? 'username' : null;
}

export function AuthScreen() {
  const t = useT();
  const a11y = useA11y();
  const expired = useSessionStore((s) => s.status === 'anonymous' && s.expired);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState<'login' | 'register' | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const fields: Record<FieldName, RefObject<HTMLInputElement | null>> = { username: useRef(null), password: useRef(null) };
  const errorId = useId();

  const fieldProblem = (field: FieldName, text: string) => {
    setProblem({ kind: 'field', field, text });
    fields[field].current?.focus();
  };

  const run = async (mode: 'login' | 'register') => {
    if (busy) return;
    setProblem(null);
    const name = username.trim();
    // Start fetching the logged-in app while the credentials are checked.
    void import('./Home');
    if (mode === 'register') {
      const invalid = await validateNew(name, password);
      if (invalid) return fieldProblem(invalid.field, t(invalid.key));
    } else if (!name) {
      return fieldProblem('username', t('auth.usernameMissing'));
    } else if (!password) {
      return fieldProblem('password', t('auth.passwordMissing'));
    }
    setBusy(mode);
    try {
      await (mode === 'login' ? login(name, password) : register(name, password));
    } catch (e) {
      const field = fieldOf(e);
      if (field) fieldProblem(field, errorText(e, t));
      else setProblem({ kind: 'form', text: errorText(e, t), offerRegister: e instanceof ApiError && e.code === 'INVALID_CREDENTIALS' });
      setBusy(null);
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void run('login');
  };

  /** What each field takes from its name: its input, label, hint, and the message when it is the problem. */
  const fieldProps = (field: FieldName) => ({
    inputRef: fields[field],
    name: field,
    label: t(`auth.${field}`),
    hint: t(`auth.${field}Hint`),
    error: problem?.kind === 'field' && problem.field === field ? problem.text : null,
  });
  const formProblem = problem?.kind === 'form' ? problem : null;

  return (
    <main className="auth-screen">
      <div className="auth-lang">
        <LanguageSwitch />
      </div>
      <form className="auth-card card" onSubmit={onSubmit} aria-describedby={formProblem ? errorId : undefined} noValidate>
        <div className="brand brand-lg">
          <span className="brand-mark" aria-hidden="true" />
          <span>{t('app.name')}</span>
        </div>
        <h1>{t('auth.title')}</h1>
        <p className="muted">{t('auth.subtitle')}</p>
        {expired && !problem && (
          <p className="alert alert-info" role="status">
            {t('auth.sessionExpired')}
          </p>
        )}
        <Field
          {...fieldProps('username')}
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          autoFocus
        />
        <Field
          {...fieldProps('password')}
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {formProblem && (
          <div id={errorId} className="alert alert-error auth-problem" role="alert">
            <p>{formProblem.text}</p>
            {formProblem.offerRegister && (
              <>
                <p>{t('auth.offerRegister')}</p>
                <button
                  type="button"
                  className="btn btn-secondary btn-sm"
                  disabled={busy !== null}
                  onClick={() => void run('register')}
                >
                  {t('auth.registerAs', { name: username.trim() })}
                </button>
              </>
            )}
          </div>
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
