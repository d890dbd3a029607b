import { useRef, useState, type FormEvent, type ReactNode, type RefObject } from 'react';
import { ApiError } from '../api/endpoints';
import { Field } from '../components/Field';
import { useT } from '../i18n';
import { useA11y } from '../i18n/a11y';
import { errorText } from '../i18n/errors';
import { changePassword, deleteAccount, logout, useSessionStore } from '../stores/session';

type PasswordField = 'current' | 'next';
/** What went wrong with a form: one field (marked invalid, focused, its hint replaced) or the form as a whole. */
type Problem<F extends string> = { kind: 'field'; field: F; text: string } | { kind: 'form'; text: string };

/** The form's state: its problem, whether it is busy, and a way to point at a field. */
function useFormProblem<F extends string>(refs: Record<F, RefObject<HTMLInputElement | null>>) {
  const [problem, setProblem] = useState<Problem<F> | null>(null);
  const [busy, setBusy] = useState(false);
  const fieldProblem = (field: F, text: string) => {
    setProblem({ kind: 'field', field, text });
    refs[field].current?.focus();
  };
  const errorOf = (field: F) => (problem?.kind === 'field' && problem.field === field ? problem.text : null);
  return { problem, setProblem, busy, setBusy, fieldProblem, errorOf };
}

function FormProblem({ problem }: { problem: Problem<string> | null }) {
  if (problem?.kind !== 'form') return null;
  return (
    <p className="alert alert-error" role="alert">
      {problem.text}
    </p>
  );
}

/** One card of the screen: a titled form (or block) with a line saying what it does. */
function AccountCard({ id, title, text, danger = false, onSubmit, children }: { id: string; title: string; text: string; danger?: boolean; onSubmit?: (event: FormEvent) => void; children: ReactNode }) {
  const body = (
    <>
      <h3 id={id}>{title}</h3>
      <p className="muted">{text}</p>
      {children}
    </>
  );
  const className = `card account-card${danger ? ' account-danger' : ''}`;
  if (onSubmit === undefined) return <div className={className} aria-labelledby={id} role="group">{body}</div>;
  return (
    <form className={className} onSubmit={onSubmit} noValidate aria-labelledby={id}>
      {body}
    </form>
  );
}

/** A wrong password re-entered is the password field's problem; anything else is the form's. */
const isWrongPassword = (error: unknown) => error instanceof ApiError && error.code === 'INVALID_CREDENTIALS';

function ChangePasswordForm() {
  const t = useT();
  const a11y = useA11y();
  const refs: Record<PasswordField, RefObject<HTMLInputElement | null>> = { current: useRef(null), next: useRef(null) };
  const form = useFormProblem(refs);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (form.busy) return;
    form.setProblem(null);
    setDone(false);
    if (!current) return form.fieldProblem('current', t('auth.passwordMissing'));
    const { LIMITS } = await import('@parley/protocol');
    if (next.length < LIMITS.passwordMinLength || next.length > LIMITS.passwordMaxLength) return form.fieldProblem('next', t('auth.passwordHint'));
    form.setBusy(true);
    try {
      await changePassword(current, next);
      setCurrent('');
      setNext('');
      setDone(true);
    } catch (error) {
      if (isWrongPassword(error)) form.fieldProblem('current', t('account.wrongPassword'));
      else if (error instanceof ApiError && error.code === 'VALIDATION_FAILED') form.fieldProblem('next', t('auth.passwordHint'));
      else form.setProblem({ kind: 'form', text: errorText(error, t) });
    } finally {
      form.setBusy(false);
    }
  };

  return (
    <AccountCard id="account-password-title" title={t('account.passwordTitle')} text={t('account.passwordText')} onSubmit={(e) => void onSubmit(e)}>
      <Field
        inputRef={refs.current}
        name="current-password"
        type="password"
        autoComplete="current-password"
        label={t('account.currentPassword')}
        hint={t('account.currentPasswordHint')}
        error={form.errorOf('current')}
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
      />
      <Field
        inputRef={refs.next}
        name="new-password"
        type="password"
        autoComplete="new-password"
        label={t('account.newPassword')}
        hint={t('auth.passwordHint')}
        error={form.errorOf('next')}
        value={next}
        onChange={(e) => setNext(e.target.value)}
      />
      <FormProblem problem={form.problem} />
      {done && (
        <p className="alert alert-info" role="status">
          {t('account.passwordChanged')}
        </p>
      )}
      <button type="submit" className="btn btn-primary" aria-label={a11y.changePassword} disabled={form.busy}>
        {form.busy ? t('auth.working') : t('account.changePassword')}
      </button>
    </AccountCard>
  );
}

function DeleteAccountForm({ username }: { username: string }) {
  const t = useT();
  const a11y = useA11y();
  const refs: Record<'password', RefObject<HTMLInputElement | null>> = { password: useRef(null) };
  const form = useFormProblem(refs);
  const [password, setPassword] = useState('');
  const [confirming, setConfirming] = useState(false);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    form.setProblem(null);
    if (!password) return form.fieldProblem('password', t('auth.passwordMissing'));
    setConfirming(true);
  };

  const confirm = async () => {
    if (form.busy) return;
    form.setBusy(true);
    try {
      await deleteAccount(password);
    } catch (error) {
      setConfirming(false);
      if (isWrongPassword(error)) form.fieldProblem('password', t('account.wrongPassword'));
      else form.setProblem({ kind: 'form', text: errorText(error, t) });
      form.setBusy(false);
    }
  };

  return (
    <AccountCard id="account-delete-title" title={t('account.deleteTitle')} text={t('account.deleteText')} danger onSubmit={onSubmit}>
      <Field
        inputRef={refs.password}
        name="delete-password"
        type="password"
        autoComplete="current-password"
        label={t('account.deletePassword')}
        hint={t('account.deletePasswordHint')}
        error={form.errorOf('password')}
        value={password}
        onChange={(e) => {
          setPassword(e.target.value);
          setConfirming(false);
        }}
      />
      <FormProblem problem={form.problem} />
      {confirming ? (
        <div className="alert alert-error" role="alertdialog" aria-labelledby="account-delete-confirm">
          <p id="account-delete-confirm">{t('account.deleteConfirm', { name: username })}</p>
          <div className="account-actions">
            <button type="button" className="btn btn-danger" aria-label={a11y.deleteForGood} disabled={form.busy} onClick={() => void confirm()}>
              {form.busy ? t('auth.working') : t('account.deleteForGood')}
            </button>
            <button type="button" className="btn btn-secondary" aria-label={a11y.keepAccount} disabled={form.busy} onClick={() => setConfirming(false)}>
              {t('account.keep')}
            </button>
          </div>
        </div>
      ) : (
        <button type="submit" className="btn btn-danger" aria-label={a11y.deleteAccount}>
          {t('account.deleteAccount')}
        </button>
      )}
    </AccountCard>
  );
}

/** Settings for the account: log this device out, change the password, delete the account. */
export function AccountScreen() {
  const t = useT();
  const a11y = useA11y();
  const user = useSessionStore((s) => (s.status === 'authenticated' ? s.user : null));
  return (
    <section className="panel account" aria-labelledby="account-title">
      <div className="panel-head">
        <h2 id="account-title">{t('account.title')}</h2>
      </div>
      {user && <p className="muted">{t('account.signedInAs', { name: user.username })}</p>}
      <AccountCard id="account-logout-title" title={t('account.logoutTitle')} text={t('account.logoutText')}>
        <button type="button" className="btn btn-secondary" aria-label={a11y.logOut} onClick={() => void logout()}>
          {t('header.logout')}
        </button>
      </AccountCard>
      <ChangePasswordForm />
      {user && <DeleteAccountForm username={user.username} />}
    </section>
  );
}
