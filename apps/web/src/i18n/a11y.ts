import type { Quality } from '../rtc/quality';
import type { Language, MessageKey } from './dictionary';
import { translate, useLanguageStore, type Translate } from './index';

/**
 * The dictionary key of each control's accessible name, so a screen reader speaks the UI language. Most are the
 * control's visible text; `a11y.*` keys name what shows no text of its own (an icon button, a video, the timer).
 * The end-to-end tests drive the app by these names, in English and in Russian.
 */
const NAME_KEYS = {
  logIn: 'auth.login',
  createAccount: 'auth.register',
  logOut: 'header.logout',
  language: 'lang.label',
  theme: 'theme.label',
  enableSound: 'sound.enable',
  enableNotifications: 'notify.enable',
  notNow: 'notify.notNow',
  mainNav: 'a11y.mainNav',
  filterUsers: 'a11y.filterUsers',
  online: 'users.online',
  offline: 'users.offline',
  cancel: 'outgoing.cancel',
  accept: 'incoming.accept',
  decline: 'incoming.decline',
  callControls: 'a11y.callControls',
  mute: 'call.mute',
  unmute: 'call.unmute',
  cameraOff: 'call.cameraOff',
  cameraOn: 'call.cameraOn',
  shareScreen: 'call.shareScreen',
  stopSharing: 'call.stopSharing',
  hangUp: 'call.hangUp',
  devices: 'call.devices',
  camera: 'call.camera',
  microphone: 'call.microphone',
  dismiss: 'status.dismiss',
  playSound: 'call.enableSound',
  refresh: 'history.refresh',
  loadMore: 'history.loadMore',
  people: 'nav.contacts',
  history: 'nav.history',
  account: 'nav.account',
  changePassword: 'account.changePassword',
  deleteAccount: 'account.deleteAccount',
  deleteForGood: 'account.deleteForGood',
  keepAccount: 'account.keep',
  blocked: 'nav.blocked',
  blockCaller: 'incoming.block',
  loadMoreUsers: 'users.loadMore',
  incomingCall: 'incoming.title',
  callDuration: 'a11y.callDuration',
  remoteVideo: 'a11y.remoteVideo',
  localVideo: 'a11y.localVideo',
  answerWithVideo: 'incall.answerWithVideo',
  answerWithoutVideo: 'incall.answerWithoutVideo',
  fullscreen: 'incall.fullscreen',
  exitFullscreen: 'incall.exitFullscreen',
  pip: 'incall.pip',
  exitPip: 'incall.exitPip',
  flipCamera: 'incall.flipCamera',
  speaker: 'incall.speaker',
  chat: 'incall.chat',
  chatClose: 'incall.chatClose',
  chatMessage: 'incall.chatMessage',
  chatSend: 'incall.chatSend',
} as const satisfies Record<string, MessageKey>;

export type A11yNames = { readonly [Name in keyof typeof NAME_KEYS]: string } & {
  /** The Call button of a person ("Call bob"). */
  call(username: string): string;
  /** The Voice call button of a person ("Voice call bob"). */
  voiceCall(username: string): string;
  /** The Call back button of a missed call in the history. */
  callBack(username: string): string;
  /** The "Recent calls" tab when it has a missed-call badge. */
  historyMissed(count: number): string;
  /** The Block / Unblock button of a person ("Block bob"). */
  block(username: string): string;
  unblock(username: string): string;
  quality(level: Quality | 'unknown'): string;
};

/** Every accessible name in the language `t` speaks. */
export function a11yNames(t: Translate): A11yNames {
  const names = Object.fromEntries(Object.entries(NAME_KEYS).map(([name, key]) => [name, t(key)])) as Record<keyof typeof NAME_KEYS, string>;
  return {
    ...names,
    call: (username) => t('a11y.call', { name: username }),
    voiceCall: (username) => t('incall.voiceCallTo', { name: username }),
    callBack: (username) => t('a11y.callBack', { name: username }),
    historyMissed: (count) => t('a11y.historyMissed', { count: String(count) }),
    block: (username) => t('a11y.block', { name: username }),
    unblock: (username) => t('a11y.unblock', { name: username }),
    quality: (level) => t(`call.quality.${level}`),
  };
}

const byLanguage = new Map<Language, A11yNames>();

/** The accessible names in the current language; the component re-renders when the language changes. */
export function useA11y(): A11yNames {
  const lang = useLanguageStore((s) => s.lang);
  let names = byLanguage.get(lang);
  if (!names) {
    names = a11yNames(translate(lang));
    byLanguage.set(lang, names);
  }
  return names;
}
