import { assertNever } from '@parley/protocol';
import { useT, type MessageKey } from '../i18n';
import type { MediaIssue } from '../rtc/media';
import { useCallStore } from '../stores/call';

function issueKey(issue: MediaIssue): MessageKey {
  switch (issue) {
    case 'denied':
      return 'media.denied';
    case 'no-devices':
      return 'media.noDevices';
    case 'no-camera':
      return 'media.noCamera';
    case 'no-microphone':
      return 'media.noMicrophone';
    case 'unsupported':
      return 'media.unsupported';
    default:
      return assertNever(issue);
  }
}

/** Why we are sending less than camera and microphone, and the transient notice of a control that failed. */
export function MediaIssueNotice({ peerName }: { peerName: string }) {
  const t = useT();
  const issue = useCallStore((s) => s.mediaIssue);
  const notice = useCallStore((s) => s.notice);
  if (!issue && !notice) return null;
  return (
    <div className="media-notices">
      {issue && (
        <p className="alert alert-warn" role="alert" data-testid="media-issue" data-issue={issue}>
          {t(issueKey(issue), { name: peerName })}
        </p>
      )}
      {notice && (
        <p className="alert alert-warn" role="status">
          {t(notice)}
        </p>
      )}
    </div>
  );
}
