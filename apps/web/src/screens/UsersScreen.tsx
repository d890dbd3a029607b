import { useEffect, useId } from 'react';
import { Avatar } from '../components/Avatar';
import { LoadState } from '../components/LoadState';
import { NotificationPrompt } from '../components/NotificationPrompt';
import { Icon } from '../components/Icon';
import { useT } from '../i18n';
import { useA11y } from '../i18n/a11y';
import { placeCall } from '../rtc/callController';
import { filterUsers, loadUsers, setUserFilter, useUsersStore } from '../stores/users';

export function UsersScreen() {
  const t = useT();
  const a11y = useA11y();
  const { users, status, error, filter } = useUsersStore();
  const filterId = useId();

  useEffect(() => {
    void loadUsers();
  }, []);

  const shown = filterUsers(users, filter);
  const onlineCount = users.filter((u) => u.online).length;

  return (
    <section className="panel" aria-labelledby={`${filterId}-title`}>
      <div className="panel-head">
        <h2 id={`${filterId}-title`}>{t('users.title')}</h2>
        {status === 'ready' && <span className="pill">{t('users.onlineCount', { count: onlineCount })}</span>}
      </div>
      <NotificationPrompt />
      <div className="search">
        <Icon name="search" size={18} />
        <label htmlFor={filterId} className="visually-hidden">
          {t('users.filter')}
        </label>
        <input
          id={filterId}
          type="search"
          aria-label={a11y.filterUsers}
          placeholder={t('users.filter')}
          value={filter}
          onChange={(e) => setUserFilter(e.target.value)}
          autoComplete="off"
          spellCheck={false}
        />
      </div>
      <LoadState status={status} error={error} />
      {status === 'ready' && users.length === 0 && <p className="muted empty">{t('users.empty')}</p>}
      {status === 'ready' && users.length > 0 && shown.length === 0 && (
        <p className="muted empty">{t('users.noMatch', { query: filter.trim() })}</p>
      )}
      <ul className="user-list" aria-label={t('users.title')}>
        {shown.map((user) => (
          <li key={user.id} className="user-row" data-testid="user-row" data-username={user.username} data-online={user.online}>
            <span className="avatar-wrap">
              <Avatar name={user.username} />
              <span
                className={`presence ${user.online ? 'presence-on' : 'presence-off'}`}
                role="img"
                aria-label={user.online ? a11y.online : a11y.offline}
                title={user.online ? t('users.online') : t('users.offline')}
              />
            </span>
            <span className="user-main">
              <span className="user-name">{user.username}</span>
              <span className="muted user-status" id={`${filterId}-${user.id}-status`}>
                {user.online ? t('users.online') : t('users.offlineHint')}
              </span>
            </span>
            {/* Calling someone offline waits for them to come online: the button's description says so. Its text is
                "Call" either way, so the visible label is part of the accessible name (WCAG 2.5.3). */}
            <button
              type="button"
              className={`btn btn-call ${user.online ? '' : 'btn-call-offline'}`}
              aria-label={a11y.call(user.username)}
              aria-describedby={user.online ? undefined : `${filterId}-${user.id}-status`}
              title={user.online ? undefined : t('users.offlineHint')}
              onClick={() => void placeCall({ id: user.id, username: user.username })}
            >
              <Icon name="phone" size={16} />
              <span className="hide-narrow">{t('users.call')}</span>
            </button>
            {/* A voice call: our camera stays closed, and the callee is told (and offered to answer without video). */}
            <button
              type="button"
              className={`btn btn-call btn-voice ${user.online ? '' : 'btn-call-offline'}`}
              aria-label={a11y.voiceCall(user.username)}
              aria-describedby={user.online ? undefined : `${filterId}-${user.id}-status`}
              title={t('incall.voiceCall')}
              onClick={() => void placeCall({ id: user.id, username: user.username }, 'audio')}
            >
              <Icon name="mic" size={16} />
              <span className="hide-narrow">{t('incall.voiceCall')}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
