import { useStore } from 'zustand';
import { useT } from '../i18n';
import { useA11y } from '../i18n/a11y';
import { soundStore, unlockAudio } from '../rtc/tones';
import { Icon } from './Icon';

/** Shown while a call rings and the browser still blocks the page's audio; a click (a gesture) lets it play. */
export function SoundHint() {
  const blocked = useStore(soundStore, (s) => s.blocked);
  const t = useT();
  const a11y = useA11y();
  if (!blocked) return null;
  return (
    <p className="sound-hint" role="status" data-testid="sound-hint">
      <span>{t('sound.blocked')}</span>
      <button type="button" className="btn btn-secondary btn-sm" aria-label={a11y.enableSound} onClick={unlockAudio}>
        <Icon name="speaker" size={16} />
        {t('sound.enable')}
      </button>
    </p>
  );
}
