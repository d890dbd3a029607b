import { useT, type MessageKey } from '../i18n';
import { useA11y } from '../i18n/a11y';
import { useMissedCount } from '../stores/missedCalls';
import { logout, useSessionStore } from '../stores/session';
import { Avatar } from './Avatar';
import { Icon } from './Icon';
import { LanguageSwitch } from './LanguageSwitch';
import { ThemeSwitch } from './ThemeSwitch';

export type Tab = 'people' | 'history' | 'blocked' | 'account';

/** The tabs in order, with their visible text; their accessible names are `a11y.people` / `a11y.history` / `a11y.blocked` / `a11y.account`. */
const TABS: readonly { tab: Tab; text: MessageKey }[] = [
  { tab: 'people', text: 'nav.contacts' },
  { tab: 'history', text: 'nav.history' },
  { tab: 'blocked', text: 'nav.blocked' },
  { tab: 'account', text: 'nav.account' },
];

export function Header({ tab, onTab }: { tab: Tab; onTab: (tab: Tab) => void }) {
  const t = useT();
  const a11y = useA11y();
  const user = useSessionStore((s) => (s.status === 'authenticated' ? s.user : null));
  const missed = useMissedCount();
  return (
    <header className="app-header">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <span className="brand-name">{t('app.name')}</span>
      </div>
      <nav className="tabs" aria-label={a11y.mainNav}>
        {TABS.map((item) => (
          <button
            key={item.tab}
            type="button"
            className="tab"
            aria-label={item.tab === 'history' && missed > 0 ? undefined : a11y[item.tab]}
            aria-current={tab === item.tab ? 'page' : undefined}
            onClick={() => onTab(item.tab)}
          >
            {item.tab === 'history' && missed > 0 ? (
              // Named by its content, so the visible text stays part of the name (WCAG 2.5.3 Label in Name).
              <>
                <span aria-hidden="true">
                  {t(item.text)}
                  <span className="badge" data-testid="missed-badge">
                    {missed}
                  </span>
                </span>
                <span className="visually-hidden">{a11y.historyMissed(missed)}</span>
              </>
            ) : (
              t(item.text)
            )}
          </button>
        ))}
      </nav>
      <div className="header-end">
        <ThemeSwitch />
        <LanguageSwitch />
        {user && (
          <span className="me" title={t('header.loggedInAs', { name: user.username })} data-testid="me">
            <Avatar name={user.username} size="sm" />
            <span className="me-name">{user.username}</span>
          </span>
        )}
        <button type="button" className="btn btn-ghost btn-sm" aria-label={a11y.logOut} title={t('header.logout')} onClick={() => void logout()}>
          <Icon name="logout" size={16} />
          <span className="hide-narrow">{t('header.logout')}</span>
        </button>
      </div>
    </header>
  );
}
