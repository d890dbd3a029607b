import { describe, expect, it } from 'vitest';
import { createThemeStore, parseThemeChoice, resolveTheme, type ThemeStorage } from '../../src/theme';

function memoryStorage(initial: Record<string, string> = {}): ThemeStorage & { data: Record<string, string> } {
  const data = { ...initial };
  return { data, getItem: (key) => data[key] ?? null, setItem: (key, value) => void (data[key] = value) };
}

describe('theme store', () => {
  it('follows the system when nothing is stored, live', () => {
    const store = createThemeStore(memoryStorage(), 'light');
    expect(store.api.getState().choice).toBe('system');
    expect(resolveTheme(store.api.getState())).toBe('light');
    store.systemChanged('dark');
    expect(resolveTheme(store.api.getState())).toBe('dark');
  });

  it('remembers a choice, which then wins over the system', () => {
    const storage = memoryStorage();
    const store = createThemeStore(storage, 'dark');
    store.choose('light');
    expect(storage.data['parley.theme']).toBe('light');
    expect(resolveTheme(store.api.getState())).toBe('light');
    store.systemChanged('light');
    store.systemChanged('dark');
    expect(resolveTheme(store.api.getState())).toBe('light');
    // A new page reads it back.
    expect(createThemeStore(storage, 'dark').api.getState().choice).toBe('light');
  });

  it('choosing system again follows the system', () => {
    const store = createThemeStore(memoryStorage({ 'parley.theme': 'dark' }), 'light');
    expect(resolveTheme(store.api.getState())).toBe('dark');
    store.choose('system');
    expect(resolveTheme(store.api.getState())).toBe('light');
  });

  it('ignores a stored value it does not know, and storage that throws', () => {
    expect(createThemeStore(memoryStorage({ 'parley.theme': 'sepia' }), 'dark').api.getState().choice).toBe('system');
    const broken: ThemeStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    const store = createThemeStore(broken, 'dark');
    expect(store.api.getState().choice).toBe('system');
    store.choose('light');
    expect(store.api.getState().choice).toBe('light');
  });

  it('parses choices strictly', () => {
    expect(parseThemeChoice('dark')).toBe('dark');
    expect(parseThemeChoice('Dark')).toBeNull();
    expect(parseThemeChoice(1)).toBeNull();
    expect(parseThemeChoice(null)).toBeNull();
  });
});
