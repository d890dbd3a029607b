import { useEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
import { useA11y } from '../i18n/a11y';
import { useT } from '../i18n';
import { Icon } from './Icon';

interface VideoTileProps {
  stream: MediaStream | null;
  /** The local preview is muted (no echo) and usually mirrored, like a mirror. */
  local?: boolean;
  mirrored?: boolean;
  label: string;
  testId: string;
  className?: string;
  /** Drawn over the video, e.g. an avatar while the camera is off. */
  overlay?: ReactNode;
  /** The `<video>` element, for a parent that needs it (picture-in-picture). */
  videoRef?: RefObject<HTMLVideoElement | null>;
  /** The speaker to play the sound on (`setSinkId`, where supported); null or absent: the default. */
  sinkId?: string | null;
}

/**
 * One `<video>` bound to a MediaStream. If the browser refuses to start sound without a user gesture (a reload in
 * mid-call), the video plays muted and a button offers to turn the sound on.
 */
export function VideoTile({ stream, local = false, mirrored = false, label, testId, className, overlay, videoRef, sinkId }: VideoTileProps) {
  const ownRef = useRef<HTMLVideoElement>(null);
  const ref = videoRef ?? ownRef;
  const [soundBlocked, setSoundBlocked] = useState(false);
  const t = useT();
  const a11y = useA11y();

  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    if (video.srcObject !== stream) video.srcObject = stream;
    if (!stream) return;
    video.muted = local;
    video.play().catch((error: unknown) => {
      if (local || !(error instanceof DOMException) || error.name !== 'NotAllowedError') return;
      video.muted = true;
      setSoundBlocked(true);
      void video.play().catch(() => undefined);
    });
  }, [stream, local, ref]);

  useEffect(() => {
    const video = ref.current;
    if (!video || local || sinkId === undefined || !('setSinkId' in video)) return;
    void video.setSinkId(sinkId ?? '').catch((error: unknown) => console.debug('[call] could not switch the speaker', error));
  }, [sinkId, local, ref]);

  const enableSound = () => {
    const video = ref.current;
    if (!video) return;
    video.muted = false;
    void video.play().then(
      () => setSoundBlocked(false),
      () => undefined,
    );
  };

  return (
    <div className={`video-tile ${className ?? ''}`}>
      <video
        ref={ref}
        data-testid={testId}
        aria-label={label}
        className={mirrored ? 'mirrored' : undefined}
        autoPlay
        playsInline
        muted={local}
      />
      {overlay}
      {soundBlocked && (
        <div className="sound-blocked" role="status">
          <span>{t('call.audioBlocked')}</span>
          <button type="button" className="btn btn-primary btn-sm" aria-label={a11y.playSound} onClick={enableSound}>
            <Icon name="speaker" size={16} />
            {t('call.enableSound')}
          </button>
        </div>
      )}
    </div>
  );
}
