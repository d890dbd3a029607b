import { useEffect, useState, type RefObject } from 'react';
import { useT } from '../../i18n';
import { useA11y } from '../../i18n/a11y';
import { Icon, type IconName } from '../Icon';
import { CALL_SHORTCUTS } from './shortcuts';
import './inCall.css';

/** Whether this page may go full screen (the Fullscreen API, not offered in some iframes and on iPhone). */
export function canFullscreen(): boolean {
  return typeof document !== 'undefined' && document.fullscreenEnabled === true;
}

/** Whether this page may float a `<video>` in its own window (`requestPictureInPicture`; not in Firefox). */
export function canPictureInPicture(): boolean {
  return typeof document !== 'undefined' && document.pictureInPictureEnabled === true;
}

/** Full screen on and off for `element` (the whole call screen: the picture at its largest, controls still there). */
export function toggleFullscreen(element: HTMLElement | null): void {
  if (!canFullscreen()) return;
  if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
  else void element?.requestFullscreen().catch((error: unknown) => console.debug('[call] full screen refused', error));
}

const PIP_EVENTS = ['enterpictureinpicture', 'leavepictureinpicture'];

/**
 * The buttons over the other side's video: full screen and picture-in-picture, each shown only where the browser
 * offers it; picture-in-picture only while there is a picture (not in a voice call, nor while their camera is off).
 */
export function StageActions({ screen, video, picture }: { screen: RefObject<HTMLElement | null>; video: RefObject<HTMLVideoElement | null>; picture: boolean }) {
  const a11y = useA11y();
  const [fullscreen, setFullscreen] = useState(false);
  const [pip, setPip] = useState(false);

  useEffect(() => {
    const update = () => setFullscreen(document.fullscreenElement !== null);
    document.addEventListener('fullscreenchange', update);
    return () => document.removeEventListener('fullscreenchange', update);
  }, []);

  useEffect(() => {
    const element = video.current;
    if (!element) return;
    const update = () => setPip(document.pictureInPictureElement === element);
    for (const type of PIP_EVENTS) element.addEventListener(type, update);
    return () => {
      for (const type of PIP_EVENTS) element.removeEventListener(type, update);
    };
  }, [video]);

  const togglePip = () => {
    const element = video.current;
    if (!element) return;
    if (document.pictureInPictureElement) void document.exitPictureInPicture().catch(() => undefined);
    else void element.requestPictureInPicture().catch((error: unknown) => console.debug('[call] picture-in-picture refused', error));
  };

  return (
    <div className="stage-actions">
      {canPictureInPicture() && (picture || pip) && (
        <StageButton on={pip} icon="pip" label={pip ? a11y.exitPip : a11y.pip} testId="pip" onClick={togglePip} />
      )}
      {canFullscreen() && (
        <StageButton
          on={fullscreen}
          icon={fullscreen ? 'minimize' : 'maximize'}
          label={fullscreen ? a11y.exitFullscreen : a11y.fullscreen}
          shortcut={CALL_SHORTCUTS.fullscreen}
          testId="fullscreen"
          onClick={() => toggleFullscreen(screen.current)}
        />
      )}
    </div>
  );
}

/** One round button over the picture; its name says what a click does (like Mute / Unmute), its tooltip too. */
function StageButton(props: { on: boolean; icon: IconName; label: string; shortcut?: string; testId: string; onClick: () => void }) {
  const t = useT();
  const { on, icon, label, shortcut, testId, onClick } = props;
  return (
    <button
      type="button"
      className={`stage-action ${on ? 'stage-action-on' : ''}`}
      aria-label={label}
      aria-keyshortcuts={shortcut}
      title={shortcut ? t('incall.shortcut', { label, key: shortcut }) : label}
      data-testid={testId}
      onClick={onClick}
    >
      <Icon name={icon} size={18} />
    </button>
  );
}
