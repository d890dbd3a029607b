import { useEffect, useId } from 'react';
import { Avatar } from '../components/Avatar';
import { ErrorAlert, LoadState } from '../components/LoadState';
import { useLanguageStore, useT } from '../i18n';
import { useA11y } from '../i18n/a11y';
import { loadBlocks, unblockUser, useBlocksStore } from '../stores/blocks';

/** The people you blocked, each with an Unblock button. */
export function BlockedScreen() {
  const t = useT();
  const a11y = useA11y();
  const lang = useLanguageStore((s) => s.lang);
  const { blocked, status, error } = useBlocksStore();
  const titleId = useId();

  useEffect(() => {
    void loadBlocks();
  }, []);

  return (
    <section className="panel" aria-labelledby={titleId}>
      <div className="panel-head">
        <h2 id={titleId}>{t('blocked.title')}</h2>
      </div>
      <p className="muted">{t('blocked.hint')}</p>
      <LoadState status={status} error={error} />
      {status === 'ready' && blocked.length === 0 && <p className="muted empty">{t('blocked.empty')}</p>}
      <ul className="user-list" aria-label={t('blocked.title')}>
        {blocked.map((user) => (
          <li key={user.id} className="user-row" data-testid="blocked-row" data-username={user.username}>
            <span className="avatar-wrap">
              <Avatar name={user.username} />
            </span>
            <span className="user-main">
              <span className="user-name">{user.username}</span>
              <span className="muted user-status">
                {t('blocked.since', { date: new Date(user.blockedAt).toLocaleDateString(lang) })}
              </span>
            </span>
            <button type="button" className="btn btn-ghost btn-sm" aria-label={a11y.unblock(user.username)} onClick={() => void unblockUser(user.id)}>
              {t('users.unblock')}
            </button>
          </li>
        ))}
      </ul>
      {status === 'ready' && error && <ErrorAlert error={error} />}
    </section>
  );
}
