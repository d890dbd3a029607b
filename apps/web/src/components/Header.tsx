import { useT } from '../i18n';
import { useA11y } from '../i18n/a11y';
import { logout, useSessionStore } from '../stores/session';
import { Avatar } from './Avatar';
import { Icon } from './Icon';
import { LanguageSwitch } from './LanguageSwitch';

export type Tab = 'people' | 'history';

export function Header({ tab, onTab }: { tab: Tab; onTab: (tab: Tab) => void }) {
  const t = useT();
  const a11y = useA11y();
  const user = useSessionStore((s) => (s.status === 'authenticated' ? s.user : null));
  return (
    <header className="app-header">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <span>{t('app.name')}</span>
      </div>
      <nav className="tabs" aria-label={a11y.mainNav}>
        <button
          type="button"
          className="tab"
          aria-label={a11y.people}
          aria-current={tab === 'people' ? 'page' : undefined}
          onClick={() => onTab('people')}
        >
          {t('nav.contacts')}
        </button>
        <button
          type="button"
          className="tab"
          aria-label={a11y.history}
          aria-current={tab === 'history' ? 'page' : undefined}
          onClick={() => onTab('history')}
        >
          {t('nav.history')}
        </button>
      </nav>
      <div className="header-end">
        <LanguageSwitch />
        {user && (
          <span className="me" title={t('header.loggedInAs', { name: user.username })} data-testid="me">
            <Avatar name={user.username} size="sm" />
            <span className="me-name">{user.username}</span>
          </span>
        )}
        <button type="button" className="btn btn-ghost btn-sm" aria-label={a11y.logOut} onClick={() => void logout()}>
          <Icon name="logout" size={16} />
          <span className="hide-narrow">{t('header.logout')}</span>
        </button>
      </div>
    </header>
  );
}
