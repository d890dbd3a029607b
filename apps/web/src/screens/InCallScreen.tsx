import { lazy, Suspense, useRef, useState } from 'react';
import { Avatar } from '../components/Avatar';
import { CallTimer } from '../components/CallTimer';
import { DEVICE_PICKER_ID, DevicePicker } from '../components/DevicePicker';
import { Icon, type IconName } from '../components/Icon';
import { CHAT_PANEL_ID } from '../components/incall/chatPanelId';
import { CALL_SHORTCUTS, useCallShortcuts } from '../components/incall/shortcuts';
import { StageActions, toggleFullscreen } from '../components/incall/StageActions';
import { MediaIssueNotice } from '../components/MediaIssueNotice';
import { QualityBadge } from '../components/QualityBadge';
import { VideoTile } from '../components/VideoTile';
import { useT, type MessageKey } from '../i18n';
import { useA11y } from '../i18n/a11y';
import { flipCamera, hangUp, setChatOpen, toggleCamera, toggleMute, toggleScreenShare } from '../rtc/callController';
import { canShareScreen } from '../rtc/media';
import { useCallStore } from '../stores/call';
import type { Link } from '../stores/callMachine';

// The chat panel is its own chunk, loaded when it is first opened.
const ChatPanel = lazy(() => import('../components/incall/ChatPanel'));

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
  shortcut,
  badge,
  expanded,
}: {
  icon: IconName;
  label: string;
  text: string;
  active?: boolean;
  disabled?: boolean;
  onClick: () => void;
  variant?: 'danger';
  /** Its keyboard shortcut (`CALL_SHORTCUTS`): in the tooltip and `aria-keyshortcuts`. */
  shortcut?: string;
  /** A count over the icon, and what it means for a screen reader (the button's description). */
  badge?: { count: number; description: string };
  /** For a button that shows and hides a panel: whether it is shown, and the panel's id. */
  expanded?: { open: boolean; controls: string };
}) {
  const t = useT();
  return (
    <button
      type="button"
      className={`ctl ${active ? 'ctl-active' : ''} ${variant === 'danger' ? 'ctl-danger' : ''}`}
      aria-label={label}
      aria-keyshortcuts={shortcut}
      aria-description={badge && badge.count > 0 ? badge.description : undefined}
      aria-expanded={expanded?.open}
      aria-controls={expanded?.open ? expanded.controls : undefined}
      title={shortcut ? t('incall.shortcut', { label: text, key: shortcut }) : text}
      disabled={disabled}
      onClick={onClick}
    >
      <span className="ctl-icon">
        <Icon name={icon} size={22} />
        {badge && badge.count > 0 && (
          <span className="ctl-badge" aria-hidden="true" data-testid="chat-unread">
            {badge.count}
          </span>
        )}
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
  const cameraFacing = useCallStore((s) => s.cameraFacing);
  const videoInputs = useCallStore((s) => s.devices.video.length);
  const output = useCallStore((s) => s.selectedOutput);
  const chatOpen = useCallStore((s) => s.chat.open);
  const unread = useCallStore((s) => s.chat.unread);
  const [showDevices, setShowDevices] = useState(false);
  const screenRef = useRef<HTMLElement>(null);
  const remoteVideoRef = useRef<HTMLVideoElement>(null);
  const live = call.phase === 'connecting' || call.phase === 'connected';
  useCallShortcuts({
    mute: toggleMute,
    camera: () => void toggleCamera(),
    chat: () => {
      if (live) setChatOpen(!chatOpen);
    },
    fullscreen: () => toggleFullscreen(screenRef.current),
  });

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
    <main ref={screenRef} className="call-screen in-call" data-testid="in-call" data-phase={call.phase} data-link={link}>
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
          videoRef={remoteVideoRef}
          sinkId={output}
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
        <StageActions screen={screenRef} video={remoteVideoRef} picture={!showAvatar} />
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
      {chatOpen && (
        <Suspense fallback={null}>
          <ChatPanel peerName={peer} onClose={() => setChatOpen(false)} />
        </Suspense>
      )}

      <div className="controls" role="toolbar" aria-label={a11y.callControls}>
        <ControlButton
          icon={media.mic === 'muted' ? 'micOff' : 'mic'}
          label={media.mic === 'muted' ? a11y.unmute : a11y.mute}
          text={media.mic === 'muted' ? t('call.unmute') : t('call.mute')}
          active={media.mic === 'muted'}
          disabled={media.mic === 'none'}
          onClick={toggleMute}
          shortcut={CALL_SHORTCUTS.mute}
        />
        <ControlButton
          icon={media.camera === 'on' ? 'video' : 'videoOff'}
          label={media.camera === 'on' ? a11y.cameraOff : a11y.cameraOn}
          text={media.camera === 'on' ? t('call.cameraOff') : t('call.cameraOn')}
          active={media.camera !== 'on'}
          onClick={() => void toggleCamera()}
          shortcut={CALL_SHORTCUTS.camera}
        />
        {/* Front and back camera: only where the camera says which way it faces and there is another one. */}
        {media.camera === 'on' && media.screen !== 'sharing' && cameraFacing !== null && videoInputs >= 2 && (
          <ControlButton icon="refresh" label={a11y.flipCamera} text={t('incall.flipCamera')} onClick={() => void flipCamera()} />
        )}
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
        <ControlButton
          icon="chat"
          label={a11y.chat}
          text={t('incall.chat')}
          active={chatOpen}
          disabled={!live}
          onClick={() => setChatOpen(!chatOpen)}
          shortcut={CALL_SHORTCUTS.chat}
          badge={{ count: unread, description: t('incall.unread', { count: unread }) }}
          expanded={{ open: chatOpen, controls: CHAT_PANEL_ID }}
        />
        <ControlButton icon="hangup" label={a11y.hangUp} text={t('call.hangUp')} variant="danger" onClick={() => void hangUp()} />
      </div>
    </main>
  );
}
