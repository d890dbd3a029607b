/**
 * The accessible names the helpers drive the app by, in each UI language. Written out here rather than read from the
 * app's dictionary, so a wrong or missing translation fails a test instead of passing with it.
 */
export const NAMES = {
  en: {
    username: 'Username',
    password: 'Password',
    logIn: 'Log in',
    incomingCall: 'Incoming call',
    accept: 'Accept',
    decline: 'Decline',
    hangUp: 'Hang up',
    call: (username: string) => `Call ${username}`,
  },
  ru: {
    username: 'Имя пользователя',
    password: 'Пароль',
    logIn: 'Войти',
    incomingCall: 'Входящий звонок',
    accept: 'Принять',
    decline: 'Отклонить',
    hangUp: 'Завершить',
    call: (username: string) => `Позвонить ${username}`,
  },
} as const;

export type UiLanguage = keyof typeof NAMES;

/** The UI language the app picks for a browser locale (Russian for `ru*`, English otherwise). */
export function uiLanguageOf(locale: string): UiLanguage {
  return locale.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}
