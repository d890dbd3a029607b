import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { PEER_CHAT_LIMITS } from '@parley/protocol';
import { useLanguageStore, useT } from '../../i18n';
import { useA11y } from '../../i18n/a11y';
import { sendChat } from '../../rtc/callController';
import { useCallStore } from '../../stores/call';
import { Icon } from '../Icon';
import { CHAT_PANEL_ID } from './chatPanelId';


/**
 * The in-call chat (loaded on first open, its own chunk). Messages go peer to peer over the call's data channel;
 * the panel says they are not stored. Escape closes it.
 */
export default function ChatPanel({ peerName, onClose }: { peerName: string; onClose: () => void }) {
  const t = useT();
  const a11y = useA11y();
  const lang = useLanguageStore((s) => s.lang);
  const entries = useCallStore((s) => s.chat.entries);
  const [draft, setDraft] = useState('');
  const [failed, setFailed] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const log = useRef<HTMLOListElement>(null);
  const noteId = useId();

  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    const list = log.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [entries]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (draft.trim().length === 0) return;
    const sent = sendChat(draft);
    setFailed(!sent);
    if (sent) setDraft('');
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    onClose();
  };
  const time = new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' });

  return (
    <section id={CHAT_PANEL_ID} className="chat-panel card" aria-label={a11y.chat} aria-describedby={noteId} data-testid="chat-panel" onKeyDown={onKeyDown}>
      <div className="chat-head">
        <h2>{t('incall.chat')}</h2>
        <button type="button" className="btn btn-ghost btn-sm" aria-label={a11y.chatClose} title={t('incall.chatClose')} onClick={onClose}>
          <Icon name="close" size={16} />
        </button>
      </div>
      <p id={noteId} className="chat-note muted">
        {t('incall.chatNotStored', { name: peerName })}
      </p>
      <ol ref={log} className="chat-log" aria-live="polite" data-testid="chat-log">
        {entries.length === 0 && <li className="muted chat-empty">{t('incall.chatEmpty')}</li>}
        {entries.map((entry) => (
          <li key={`${entry.from}:${entry.id}`} className={`chat-entry chat-${entry.from}`} data-from={entry.from}>
            <span className="chat-meta">
              {entry.from === 'self' ? t('incall.chatYou') : peerName} · {time.format(entry.sentAt)}
            </span>
            <span className="chat-text">{entry.text}</span>
          </li>
        ))}
      </ol>
      {failed && (
        <p className="chat-failed" role="alert">
          {t('incall.chatFailed', { name: peerName })}
        </p>
      )}
      <form className="chat-form" onSubmit={submit}>
        <input
          ref={input}
          type="text"
          aria-label={a11y.chatMessage}
          placeholder={t('incall.chatPlaceholder')}
          value={draft}
          maxLength={PEER_CHAT_LIMITS.maxTextLength}
          autoComplete="off"
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit" className="btn btn-primary" aria-label={a11y.chatSend} disabled={draft.trim().length === 0}>
          {t('incall.chatSend')}
        </button>
      </form>
    </section>
  );
}
