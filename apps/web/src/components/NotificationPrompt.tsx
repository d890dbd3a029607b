import { useState } from 'react';
import { shouldOfferNotifications } from '../appshell/ringDecisions';
import { requestNotifications, useNotificationAccess } from '../appshell/ringAlerts';
import { useT } from '../i18n';
import { useA11y } from '../i18n/a11y';
import { useHistoryStore } from '../stores/history';

const DISMISSED_KEY = 'parley.notifyPromptDismissed';

function readDismissed(): boolean {
  try {
    return localStorage.getItem(DISMISSED_KEY) === '1';
  } catch {
    return false;
  }
}

/** Offers incoming-call notifications in the people list, once the person has had a call (see ringDecisions.ts). */
export function NotificationPrompt() {
  const t = useT();
  const a11y = useA11y();
  const access = useNotificationAccess((s) => s.access);
  const callsSoFar = useHistoryStore((s) => s.items.length);
  const [dismissed, setDismissed] = useState(readDismissed);
  if (!shouldOfferNotifications({ access, dismissed, callsSoFar })) return null;
  const notNow = () => {
    try {
      localStorage.setItem(DISMISSED_KEY, '1');
    } catch {
      // No storage: asked again next time.
    }
    setDismissed(true);
  };
  return (
    <div className="notify-prompt" data-testid="notification-prompt">
      <p>{t('notify.offer')}</p>
      <div className="notify-prompt-actions">
        <button type="button" className="btn btn-ghost btn-sm" aria-label={a11y.notNow} onClick={notNow}>
          {t('notify.notNow')}
        </button>
        <button type="button" className="btn btn-primary btn-sm" aria-label={a11y.enableNotifications} onClick={() => void requestNotifications()}>
          {t('notify.enable')}
        </button>
      </div>
    </div>
  );
}
