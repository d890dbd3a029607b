import { useT, type MessageKey } from '../i18n';
import { useA11y } from '../i18n/a11y';
import { parseThemeChoice, setThemeChoice, THEME_CHOICES, useThemeStore, type ThemeChoice } from '../theme';

const CHOICE_TEXT: Record<ThemeChoice, MessageKey> = { system: 'theme.system', light: 'theme.light', dark: 'theme.dark' };

/** System / light / dark, next to the language switch; the choice is remembered (see theme.ts). */
export function ThemeSwitch() {
  const choice = useThemeStore((s) => s.choice);
  const t = useT();
  const a11y = useA11y();
  return (
    <label className="lang-switch theme-switch" title={t('theme.label')}>
      <span className="visually-hidden">{t('theme.label')}</span>
      <select
        aria-label={a11y.theme}
        data-testid="theme-switch"
        value={choice}
        onChange={(e) => {
          const next = parseThemeChoice(e.target.value);
          if (next) setThemeChoice(next);
        }}
      >
        {THEME_CHOICES.map((value) => (
          <option key={value} value={value}>
            {t(CHOICE_TEXT[value])}
          </option>
        ))}
      </select>
    </label>
  );
}
