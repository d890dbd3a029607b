import type { CallHistoryItem } from '@parley/protocol';
import { useEffect } from 'react';
import { Avatar } from '../components/Avatar';
import { ErrorAlert, LoadState } from '../components/LoadState';
import { Icon } from '../components/Icon';
import { useLanguageStore, useT, type Translate } from '../i18n';
import { useA11y } from '../i18n/a11y';
import { formatDuration } from '../i18n/callText';
import { placeCall } from '../rtc/callController';
import { loadHistory, loadMoreHistory, useHistoryStore } from '../stores/history';
import { isMissed } from '../stores/missedCalls';

function statusText(item: CallHistoryItem, t: Translate): string {
  if (item.status === 'created') return t('history.ringing');
  if (item.status === 'active') return t('history.active');
  if (item.endReason) return t(`reason.${item.endReason}`);
  return t('history.answered');
}

export function HistoryScreen() {
  const t = useT();
  const a11y = useA11y();
  const lang = useLanguageStore((s) => s.lang);
  const { items, status, error, hasMore } = useHistoryStore();

  useEffect(() => {
    void loadHistory();
  }, []);

  const dateFormat = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });

  return (
    <section className="panel" aria-labelledby="history-title">
      <div className="panel-head">
        <h2 id="history-title">{t('history.title')}</h2>
        <button type="button" className="btn btn-ghost btn-sm" aria-label={a11y.refresh} onClick={() => void loadHistory()}>
          <Icon name="refresh" size={16} />
          <span className="hide-narrow">{t('history.refresh')}</span>
        </button>
      </div>
      <LoadState status={status} error={error} />
      {status === 'ready' && items.length === 0 && <p className="muted empty">{t('history.empty')}</p>}
      <ul className="history-list" aria-label={t('history.title')}>
        {items.map((item) => {
          const outgoing = item.direction === 'outgoing';
          const failed = item.endReason !== undefined && item.endReason !== 'hangup' && item.durationMs === undefined;
          return (
            <li
              key={item.callId}
              className="history-row"
              data-testid="history-row"
              data-direction={item.direction}
              data-reason={item.endReason ?? item.status}
            >
              <Avatar name={item.peer.username} size="sm" />
              <span className="user-main">
                <span className="user-name">{item.peer.username}</span>
                <span className="history-meta muted">
                  <span className={`direction ${failed ? 'direction-failed' : ''}`}>
                    <Icon name={outgoing ? 'arrowUpRight' : 'arrowDownLeft'} size={14} />
                    {outgoing ? t('history.outgoing') : t('history.incoming')}
                  </span>{' '}
                  <span aria-hidden="true">·</span> <span>{statusText(item, t)}</span>
                  {item.durationMs !== undefined && (
                    <>
                      {' '}
                      <span aria-hidden="true">·</span> <span className="tabular">{formatDuration(item.durationMs)}</span>
                    </>
                  )}
                </span>
              </span>
              <time className="muted history-time" dateTime={item.createdAt}>
                {dateFormat.format(new Date(item.createdAt))}
              </time>
              {isMissed(item) ? (
                <button
                  type="button"
                  className="btn btn-secondary btn-sm"
                  aria-label={a11y.callBack(item.peer.username)}
                  onClick={() => void placeCall(item.peer)}
                >
                  <Icon name="phone" size={16} />
                  {t('history.callBack')}
                </button>
              ) : (
                <button
                  type="button"
                  className="btn btn-icon btn-ghost"
                  aria-label={a11y.call(item.peer.username)}
                  title={t('users.call')}
                  onClick={() => void placeCall(item.peer)}
                >
                  <Icon name="phone" size={16} />
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {/* The list is there but the next page did not come: say so next to the button that asked for it. */}
      {status === 'ready' && error && <ErrorAlert error={error} />}
      {hasMore && (
        <button type="button" className="btn btn-ghost btn-block" aria-label={a11y.loadMore} onClick={() => void loadMoreHistory()}>
          {t('history.loadMore')}
        </button>
      )}
    </section>
  );
}
