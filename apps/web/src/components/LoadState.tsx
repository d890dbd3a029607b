import { useT } from '../i18n';
import { errorText } from '../i18n/errors';
import type { LoadStatus } from '../stores/load';

/** A failed request, said in the user's language. */
export function ErrorAlert({ error }: { error: unknown }) {
  const t = useT();
  return (
    <p className="alert alert-error" role="alert">
      {errorText(error, t)}
    </p>
  );
}

/** The line a list shows while it loads or when loading failed; nothing once it is there. */
export function LoadState({ status, error }: { status: LoadStatus; error: unknown }) {
  const t = useT();
  if (status === 'loading') return <p className="muted empty">{t('app.loading')}</p>;
  if (status === 'error') return <ErrorAlert error={error} />;
  return null;
}
