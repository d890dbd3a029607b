import { useState } from 'react';
import { Avatar } from '../components/Avatar';
import { CallTimer } from '../components/CallTimer';
import { DEVICE_PICKER_ID, DevicePicker } from '../components/DevicePicker';
import { Icon, type IconName } from '../components/Icon';
import { MediaIssueNotice } from '../components/MediaIssueNotice';
import { QualityBadge } from '../components/QualityBadge';
import { VideoTile } from '../components/VideoTile';
import { useT, type MessageKey } from '../i18n';
import { useA11y } from '../i18n/a11y';
import { hangUp, toggleCamera, toggleMute, toggleScreenShare } from '../rtc/callController';
import { canShareScreen } from '../rtc/media';
import { useCallStore } from '../stores/call';
import type { Link } from '../stores/callMachine';

const LINK_TEXT: Record<Exclude<Link, 'ok'>, MessageKey> = {
  self: 'call.reconnecting.self',
  peer: 'call.reconnecting.peer',
  media: 'call.reconnecting.media',
};

function ControlButton({
  icon,
  label,
  text,
  active,
  disabled,
  onClick,
  variant,
}: {
  icon: IconName;
  label: string;
  text: string;
  active?: boolean;
  disabled?: boolean;
  onClick: () => void;
  variant?: 'danger';
}) {
  return (
    <button
      type="button"
      className={`ctl ${active ? 'ctl-active' : ''} ${variant === 'danger' ? 'ctl-danger' : ''}`}
      aria-label={label}
      title={text}
      disabled={disabled}
      onClick={onClick}
    >
      <span className="ctl-icon">
        <Icon name={icon} size={22} />
      </span>
      <span className="ctl-label">{text}</span>
    </button>
  );
}

export function InCallScreen() {
  const t = useT();
  const a11y = useA11y();
  const call = useCallStore((s) => s.call);
  const media = useCallStore((s) => s.media);
  const localStream = useCallStore((s) => s.localStream);
  const remoteStream = useCallStore((s) => s.remoteStream);
  const quality = useCallStore((s) => s.quality);
  const remoteVideo = useCallStore((s) => s.remoteVideo);
  const remoteMedia = useCallStore((s) => s.remoteMedia);
  const [showDevices, setShowDevices] = useState(false);

  // Rendered (hidden, see Home) from the moment the call rings: until it is answered it shows "connecting".
  if (call.phase === 'idle' || call.phase === 'ended') return null;
  const peer = call.peer.username;
  const connected = call.phase === 'connected';
  const link = call.phase === 'connecting' || call.phase === 'connected' ? call.link : 'ok';
  // The other side says at once when its camera goes off (the call's state channel); the stats notice a frozen
  // picture only seconds later, and still cover a peer that says nothing.
  const remoteCameraOff = remoteMedia?.camera === false;
  const showAvatar = remoteCameraOff || remoteVideo !== 'playing';
  const remoteMuted = remoteMedia?.mic === false;

  return (
    <main className="call-screen in-call" data-testid="in-call" data-phase={call.phase} data-link={link}>
      <div className="call-top">
        <div className="call-peer">
          <span className="call-peer-name">
            {peer}
            {remoteMuted && (
              <span className="remote-muted" role="img" aria-label={t('call.remoteMuted', { name: peer })} title={t('call.remoteMuted', { name: peer })} data-testid="remote-muted">
                <Icon name="micOff" size={16} />
              </span>
            )}
          </span>
          {connected ? <CallTimer since={call.answeredAt} /> : <span className="muted">{t('call.connecting', { name: peer })}</span>}
        </div>
        <QualityBadge quality={connected ? quality : null} />
      </div>

      {link !== 'ok' && (
        <div className="banner banner-warn reconnecting" role="alert" data-testid="reconnecting">
          <span className="spinner" aria-hidden="true" />
          {t(LINK_TEXT[link], { name: peer })}
        </div>
      )}

      <div className="stage">
        <VideoTile
          stream={remoteStream}
          label={a11y.remoteVideo}
          testId="remote-video"
          className="remote"
          overlay={
            showAvatar ? (
              <div className="remote-placeholder">
                <Avatar name={peer} size="xl" />
                <span className="muted">
                  {connected && (remoteCameraOff || remoteVideo === 'stalled')
                    ? t('call.remoteCameraOff')
                    : connected
                      ? peer
                      : t('call.connecting', { name: peer })}
                </span>
              </div>
            ) : null
          }
        />
        <div className="local-pip">
          {localStream ? (
            <VideoTile
              stream={localStream}
              local
              mirrored={media.screen !== 'sharing'}
              label={a11y.localVideo}
              testId="local-video"
              className="local"
            />
          ) : (
            <div className="local-placeholder">
              <Icon name="videoOff" />
              <span>{t('call.you')}</span>
            </div>
          )}
        </div>
      </div>

      <MediaIssueNotice peerName={peer} />
      {showDevices && <DevicePicker onClose={() => setShowDevices(false)} />}

      <div className="controls" role="toolbar" aria-label={a11y.callControls}>
        <ControlButton
          icon={media.mic === 'muted' ? 'micOff' : 'mic'}
          label={media.mic === 'muted' ? a11y.unmute : a11y.mute}
          text={media.mic === 'muted' ? t('call.unmute') : t('call.mute')}
          active={media.mic === 'muted'}
          disabled={media.mic === 'none'}
          onClick={toggleMute}
        />
        <ControlButton
          icon={media.camera === 'on' ? 'video' : 'videoOff'}
          label={media.camera === 'on' ? a11y.cameraOff : a11y.cameraOn}
          text={media.camera === 'on' ? t('call.cameraOff') : t('call.cameraOn')}
          active={media.camera !== 'on'}
          onClick={() => void toggleCamera()}
        />
        {canShareScreen() && (
          <ControlButton
            icon={media.screen === 'sharing' ? 'screenOff' : 'screen'}
            label={media.screen === 'sharing' ? a11y.stopSharing : a11y.shareScreen}
            text={media.screen === 'sharing' ? t('call.stopSharing') : t('call.shareScreen')}
            active={media.screen === 'sharing'}
            onClick={() => void toggleScreenShare()}
          />
        )}
        <button
          type="button"
          className={`ctl ${showDevices ? 'ctl-active' : ''}`}
          aria-label={a11y.devices}
          aria-expanded={showDevices}
          aria-controls={DEVICE_PICKER_ID}
          title={t('call.devices')}
          onClick={() => setShowDevices((v) => !v)}
        >
          <span className="ctl-icon">
            <Icon name="settings" size={22} />
          </span>
          <span className="ctl-label">{t('call.devices')}</span>
        </button>
        <ControlButton icon="hangup" label={a11y.hangUp} text={t('call.hangUp')} variant="danger" onClick={() => void hangUp()} />
      </div>
    </main>
  );
}
