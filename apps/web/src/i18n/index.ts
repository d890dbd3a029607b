import { create } from 'zustand';
import { DICTIONARIES, format, pickLanguage, type Language, type MessageKey, type ParamsOf } from './dictionary';

export { LANGUAGES, LANGUAGE_NAMES, type Language, type MessageKey } from './dictionary';

const STORAGE_KEY = 'parley.lang';

function readStoredLanguage(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

interface LanguageState {
  lang: Language;
}

export const useLanguageStore = create<LanguageState>(() => ({
  lang: pickLanguage(readStoredLanguage(), typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language]),
}));

export function setLanguage(lang: Language): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Private mode without storage: the choice lasts for this page only.
  }
  useLanguageStore.setState({ lang });
}

/** Keys whose text has no placeholders can be called without params. */
type Args<K extends MessageKey> = K extends MessageKey
  ? ParamsOf<K> extends Record<string, never>
    ? [params?: ParamsOf<K>]
    : [params: ParamsOf<K>]
  : never;

export type Translate = <K extends MessageKey>(key: K, ...args: Args<K>) => string;

const translators = new Map<Language, Translate>();

export function translate(lang: Language): Translate {
  let translator = translators.get(lang);
  if (!translator) {
    const dictionary = DICTIONARIES[lang];
    translator = (key, ...args) => format(dictionary[key], args[0] ?? {});
    translators.set(lang, translator);
  }
  return translator;
}

/** Translate outside React (e.g. the tab title while ringing), in the current language. */
export const t: Translate = (key, ...args) => translate(useLanguageStore.getState().lang)(key, ...args);

/** The translator for the current language; components re-render when the language changes. */
export function useT(): Translate {
  const lang = useLanguageStore((s) => s.lang);
  return translate(lang);
}

/** Keep `<html lang>` in step with the chosen language, for screen readers and hyphenation. */
export function syncDocumentLanguage(): void {
  const apply = (lang: Language) => {
    document.documentElement.lang = lang;
  };
  apply(useLanguageStore.getState().lang);
  useLanguageStore.subscribe((s) => apply(s.lang));
}
