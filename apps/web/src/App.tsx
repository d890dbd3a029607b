import { lazy, Suspense } from 'react';
import { useT } from './i18n';
import { AuthScreen } from './screens/AuthScreen';
import { useSessionStore } from './stores/session';

// Only the login screen is in the first chunk; everything behind it (protocol validators, WebRTC) loads on login.
const Home = lazy(() => import('./screens/Home'));

function Loading() {
  const t = useT();
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {t('app.loading')}
    </div>
  );
}

export function App() {
  const status = useSessionStore((s) => s.status);
  if (status !== 'authenticated') return <AuthScreen />;
  return (
    <Suspense fallback={<Loading />}>
      <Home />
    </Suspense>
  );
}
