import { END_REASONS, ERROR_CODES } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { DICTIONARIES, format, LANGUAGES, pickLanguage, type Dictionary } from '../../src/i18n/dictionary';
import { translate } from '../../src/i18n';

// A language without every key does not compile: `tsc` (pnpm typecheck) fails on this line if it ever stops being
// an error.
// @ts-expect-error 'app.name' alone is not a Dictionary
const _incomplete: Dictionary = { 'app.name': 'Parley' };

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dictionaries', () => {
  const en = DICTIONARIES.en;
  const keys = Object.keys(en).sort();

  it.each(LANGUAGES)('%s has exactly the English keys, none empty', (lang) => {
    const dictionary = DICTIONARIES[lang];
    expect(Object.keys(dictionary).sort()).toEqual(keys);
    for (const key of keys) expect(dictionary[key as keyof Dictionary].trim(), key).not.toBe('');
  });

  it.each(LANGUAGES)('%s uses the same placeholders as English in every string', (lang) => {
    for (const key of keys) {
      const k = key as keyof Dictionary;
      expect(placeholders(DICTIONARIES[lang][k]), `${lang} ${key}`).toEqual(placeholders(en[k]));
    }
  });

  it('has a message for every server error code and end reason', () => {
    for (const code of ERROR_CODES) expect(keys).toContain(`error.${code}`);
    for (const reason of END_REASONS) expect(keys).toContain(`reason.${reason}`);
  });

  it('really is translated (Russian differs from English for user-facing sentences)', () => {
    expect(DICTIONARIES.ru['incoming.accept']).not.toBe(en['incoming.accept']);
    expect(DICTIONARIES.ru['ended.missed.callee']).not.toBe(en['ended.missed.callee']);
  });
});

describe('translate', () => {
  it('fills placeholders in the chosen language', () => {
    expect(translate('en')('outgoing.calling', { name: 'bob' })).toBe('Calling bob…');
    expect(translate('ru')('outgoing.calling', { name: 'bob' })).toBe('Звоним bob…');
    // @ts-expect-error a key with placeholders needs its params
    expect(translate('en')('outgoing.calling')).toBe('Calling {name}…');
  });

  it('leaves unknown placeholders visible instead of dropping them', () => {
    expect(format('{a} and {b}', { a: 1 })).toBe('1 and {b}');
  });
});

describe('pickLanguage', () => {
  it('defaults to English', () => {
    expect(pickLanguage(null, [])).toBe('en');
    expect(pickLanguage(null, ['de-DE', 'fr'])).toBe('en');
  });
  it('follows the browser, first supported language wins', () => {
    expect(pickLanguage(null, ['ru-RU', 'en'])).toBe('ru');
    expect(pickLanguage(null, ['de', 'ru'])).toBe('ru');
    expect(pickLanguage(null, ['en-GB', 'ru'])).toBe('en');
  });
  it('prefers the stored choice and ignores junk', () => {
    expect(pickLanguage('ru', ['en'])).toBe('ru');
    expect(pickLanguage('xx', ['ru'])).toBe('ru');
  });
});
