import { useEffect, useRef } from 'react';
import { t as translateNow, useT } from '../i18n';
import { useA11y } from '../i18n/a11y';
import { acceptCall, declineCall } from '../rtc/callController';
import { blockUser } from '../stores/blocks';
import { useCallStore } from '../stores/call';
import { Avatar } from './Avatar';
import { Icon } from './Icon';
import './incall/inCall.css';
import { SoundHint } from './SoundHint';

/** Alternate the tab title while a call rings, so it is noticed in a background tab. */
function useTitleFlash(callerName: string | null): void {
  useEffect(() => {
    if (!callerName) return;
    const original = document.title;
    let on = false;
    const timer = setInterval(() => {
      on = !on;
      document.title = on ? translateNow('incoming.titleFlash', { name: callerName }) : original;
    }, 1000);
    document.title = translateNow('incoming.titleFlash', { name: callerName });
    on = true;
    return () => {
      clearInterval(timer);
      document.title = original;
    };
  }, [callerName]);
}

export function IncomingCallDialog() {
  const t = useT();
  const a11y = useA11y();
  const call = useCallStore((s) => s.call);
  const ringing = call.phase === 'incoming' ? call : null;
  const dialogRef = useRef<HTMLDialogElement>(null);
  const acceptRef = useRef<HTMLButtonElement>(null);
  useTitleFlash(ringing?.peer.username ?? null);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog || !ringing) return;
    // A modal <dialog> traps focus and hides the page from screen readers while it rings. showModal() would focus
    // the first button (Decline); answering is the likely intent, so Accept gets the focus.
    if (!dialog.open) dialog.showModal();
    acceptRef.current?.focus();
    return () => {
      if (dialog.open) dialog.close();
    };
  }, [ringing]);

  if (!ringing) return null;
  return (
    <dialog
      ref={dialogRef}
      className="incoming card"
      aria-label={a11y.incomingCall}
      aria-describedby="incoming-from"
      data-testid="incoming-call"
      // Escape must not silently dismiss a ringing call; Decline is one Tab away.
      onCancel={(e) => e.preventDefault()}
    >
      <div className="incoming-pulse">
        <Avatar name={ringing.peer.username} size="xl" />
      </div>
      <p className="incoming-label muted">{t('incoming.title')}</p>
      <h2 id="incoming-from" className="incoming-from">
        {t('incoming.from', { name: ringing.peer.username })}
      </h2>
      {ringing.media === 'audio' && (
        <p className="incoming-kind muted" data-testid="incoming-voice">
          {t('incall.incomingVoice')}
        </p>
      )}
      <SoundHint />
      <div className="incoming-actions">
        <button type="button" className="btn btn-danger btn-lg" aria-label={a11y.decline} onClick={declineCall}>
          <Icon name="hangup" />
          {t('incoming.decline')}
        </button>
        {/* Accept answers as the caller asked (with video, or without for a voice call); the other way is below. */}
        <button ref={acceptRef} type="button" className="btn btn-success btn-lg" aria-label={a11y.accept} onClick={() => acceptCall()}>
          <Icon name="phone" />
          {t('incoming.accept')}
        </button>
      </div>
      {ringing.media === 'audio' ? (
        <button type="button" className="btn btn-ghost incoming-alt" aria-label={a11y.answerWithVideo} onClick={() => acceptCall({ video: true })}>
          <Icon name="video" />
          {t('incall.answerWithVideo')}
        </button>
      ) : (
        <button type="button" className="btn btn-ghost incoming-alt" aria-label={a11y.answerWithoutVideo} onClick={() => acceptCall({ video: false })}>
          <Icon name="videoOff" />
          {t('incall.answerWithoutVideo')}
        </button>
      )}
      {/* Declines at once and blocks the caller: their next calls are refused as if you were busy. Last, after the
          ways to answer (keyboard users reach those first), and out of the answer row, so it fits a phone. */}
      <button
        type="button"
        className="btn btn-ghost btn-sm incoming-block"
        aria-label={a11y.blockCaller}
        onClick={() => {
          declineCall();
          void blockUser(ringing.peer);
        }}
      >
        {t('incoming.block')}
      </button>
    </dialog>
  );
}
