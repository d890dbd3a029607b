import { useA11y } from '../i18n/a11y';
import { LANGUAGE_NAMES, LANGUAGES, setLanguage, useLanguageStore, useT, type Language } from '../i18n';

export function LanguageSwitch() {
  const lang = useLanguageStore((s) => s.lang);
  const t = useT();
  const a11y = useA11y();
  return (
    <label className="lang-switch" title={t('lang.label')}>
      <span className="visually-hidden">{t('lang.label')}</span>
      <select aria-label={a11y.language} value={lang} onChange={(e) => setLanguage(e.target.value as Language)}>
        {LANGUAGES.map((code) => (
          <option key={code} value={code} lang={code}>
            {LANGUAGE_NAMES[code]}
          </option>
        ))}
      </select>
    </label>
  );
}
