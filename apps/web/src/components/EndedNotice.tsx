import { useT } from '../i18n';
import { useA11y } from '../i18n/a11y';
import { endedMessageKey, formatDuration } from '../i18n/callText';
import { dismissEnded } from '../rtc/callController';
import { useCallStore } from '../stores/call';
import { Icon } from './Icon';

/** Why the last call ended; stays until dismissed or the next call starts. */
export function EndedNotice() {
  const t = useT();
  const a11y = useA11y();
  const call = useCallStore((s) => s.call);
  if (call.phase !== 'ended') return null;
  const text = t(endedMessageKey(call.cause, call.role, call.by, call.rang), { name: call.peer.username });
  return (
    <div
      className={`banner ${call.cause === 'media_failed' ? 'banner-warn' : 'banner-info'} ended-notice`}
      role="status"
      data-testid="call-ended"
      data-reason={call.cause}
    >
      <span>
        {text}
        {call.durationMs !== null && <> {t('ended.duration', { duration: formatDuration(call.durationMs) })}</>}
      </span>
      <button type="button" className="btn btn-icon btn-ghost btn-sm" aria-label={a11y.dismiss} title={t('status.dismiss')} onClick={dismissEnded}>
        <Icon name="close" size={16} />
      </button>
    </div>
  );
}
