import { Avatar } from '../components/Avatar';
import { Icon } from '../components/Icon';
import { MediaIssueNotice } from '../components/MediaIssueNotice';
import { VideoTile } from '../components/VideoTile';
import { useT } from '../i18n';
import { useA11y } from '../i18n/a11y';
import { hangUp } from '../rtc/callController';
import { useCallStore } from '../stores/call';

export function OutgoingCallScreen() {
  const t = useT();
  const a11y = useA11y();
  const call = useCallStore((s) => s.call);
  const localStream = useCallStore((s) => s.localStream);
  if (call.phase !== 'outgoing') return null;
  return (
    <main className="call-screen outgoing" data-testid="outgoing-call">
      {localStream && (
        <VideoTile stream={localStream} local mirrored label={a11y.localVideo} testId="local-video" className="outgoing-preview" />
      )}
      <div className="outgoing-content">
        <div className="incoming-pulse">
          <Avatar name={call.peer.username} size="xl" />
        </div>
        <h1 className="outgoing-title" aria-live="polite">
          {t('outgoing.calling', { name: call.peer.username })}
        </h1>
        <p className="muted" data-testid="outgoing-status" data-ringing={call.ringing}>
          {!call.callId ? t('outgoing.placing') : call.ringing ? t('outgoing.ringing') : t('outgoing.offline', { name: call.peer.username })}
        </p>
        <MediaIssueNotice peerName={call.peer.username} />
        <button type="button" className="btn btn-danger btn-lg" aria-label={a11y.cancel} onClick={() => void hangUp()} autoFocus>
          <Icon name="hangup" />
          {t('outgoing.cancel')}
        </button>
      </div>
    </main>
  );
}
