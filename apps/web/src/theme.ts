import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';

/**
 * Light and dark themes. The person's choice (`system`, `light`, `dark`) is remembered in localStorage; `system`
 * follows `prefers-color-scheme`, live. The resolved theme is `<html data-theme>`, which styles.css keys its
 * colours on. It lives in the entry chunk, so the login screen already has the right colours on first paint.
 */

export const THEME_CHOICES = ['system', 'light', 'dark'] as const;
export type ThemeChoice = (typeof THEME_CHOICES)[number];
export type Theme = 'light' | 'dark';

export interface ThemeState {
  choice: ThemeChoice;
  /** What `prefers-color-scheme` says now. */
  system: Theme;
}

const STORAGE_KEY = 'parley.theme';

/** The browser's colour-scheme bar (mobile address bar, PWA title bar) per theme: each theme's `--bg`. */
export const THEME_COLORS: Record<Theme, string> = { dark: '#0d0f14', light: '#f6f7fb' };

function isThemeChoice(value: unknown): value is ThemeChoice {
  return typeof value === 'string' && (THEME_CHOICES as readonly string[]).includes(value);
}

export function parseThemeChoice(value: unknown): ThemeChoice | null {
  return isThemeChoice(value) ? value : null;
}

export function resolveTheme(state: ThemeState): Theme {
  return state.choice === 'system' ? state.system : state.choice;
}

/** Where the choice is kept; `null` reads as nothing stored. Errors (private mode) are the caller's to swallow. */
export interface ThemeStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface ThemeStore {
  api: StoreApi<ThemeState>;
  /** Remember `choice` and apply it. */
  choose(choice: ThemeChoice): void;
  /** `prefers-color-scheme` changed. */
  systemChanged(system: Theme): void;
}

export function createThemeStore(storage: ThemeStorage | null, system: Theme): ThemeStore {
  let stored: ThemeChoice | null = null;
  try {
    stored = parseThemeChoice(storage?.getItem(STORAGE_KEY));
  } catch {
    // No storage: follow the system.
  }
  const api = createStore<ThemeState>(() => ({ choice: stored ?? 'system', system }));
  return {
    api,
    choose(choice) {
      try {
        storage?.setItem(STORAGE_KEY, choice);
      } catch {
        // Private mode without storage: the choice lasts for this page only.
      }
      api.setState({ choice });
    },
    systemChanged(next) {
      api.setState({ system: next });
    },
  };
}

const darkQuery = typeof matchMedia === 'undefined' ? null : matchMedia('(prefers-color-scheme: dark)');
// Dark unless the system asks for light: the app was dark-only before, and a browser that says nothing keeps it.
const systemTheme = (): Theme => (darkQuery && !darkQuery.matches && matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark');

function browserStorage(): ThemeStorage | null {
  try {
    return localStorage;
  } catch {
    return null;
  }
}

export const themeStore = createThemeStore(typeof window === 'undefined' ? null : browserStorage(), darkQuery ? systemTheme() : 'dark');

export const setThemeChoice = (choice: ThemeChoice): void => themeStore.choose(choice);

export function useThemeStore<T>(selector: (state: ThemeState) => T): T {
  return useStore(themeStore.api, selector);
}

/** Apply the theme to the document now and on every change. Call once, before the first render. */
export function startTheme(): void {
  const apply = (state: ThemeState) => {
    const theme = resolveTheme(state);
    const root = document.documentElement;
    // styles.css sets `color-scheme` per theme (an inline style would need the CSP's 'unsafe-inline').
    root.dataset['theme'] = theme;
    document.querySelector('meta[name="theme-color"]')?.setAttribute('content', THEME_COLORS[theme]);
  };
  apply(themeStore.api.getState());
  themeStore.api.subscribe(apply);
  darkQuery?.addEventListener('change', () => themeStore.systemChanged(systemTheme()));
}
