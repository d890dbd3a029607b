import { describe, expect, it } from 'vitest';
import { translate } from '../../src/i18n';
import { a11yNames } from '../../src/i18n/a11y';

const en = a11yNames(translate('en'));
const ru = a11yNames(translate('ru'));
const plain = (names: typeof en) => Object.entries(names).filter((entry): entry is [string, string] => typeof entry[1] === 'string');

describe('accessible names', () => {
  it('keep the English names the app has always had', () => {
    expect([en.logIn, en.accept, en.hangUp, en.mute, en.incomingCall, en.filterUsers, en.call('bob')]).toEqual([
      'Log in',
      'Accept',
      'Hang up',
      'Mute',
      'Incoming call',
      'Filter users',
      'Call bob',
    ]);
  });

  it('are Russian in the Russian UI, every one of them', () => {
    for (const [name, text] of plain(ru)) {
      expect(text.trim(), name).not.toBe('');
      expect(text, name).not.toBe(en[name as keyof typeof en]);
      expect(text, name).toMatch(/[а-яё]/i);
    }
    expect(ru.call('bob')).toBe('Позвонить bob');
    expect(ru.quality('poor')).toBe('Слабая связь');
    expect(ru.quality('unknown')).not.toBe(en.quality('unknown'));
  });

  it('name each control of a screen differently, so a screen reader user can tell them apart', () => {
    for (const names of [en, ru]) {
      const inCall = [names.mute, names.unmute, names.cameraOff, names.cameraOn, names.shareScreen, names.stopSharing, names.devices, names.hangUp];
      expect(new Set(inCall).size).toBe(inCall.length);
      const login = [names.logIn, names.createAccount, names.language];
      expect(new Set(login).size).toBe(login.length);
    }
  });
});
