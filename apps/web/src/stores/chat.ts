import { assertNever, PEER_CHAT_LIMITS, type PeerChatMessage } from '@parley/protocol';

/** One line of the in-call chat, ours or the other side's. */
export interface ChatEntry {
  id: string;
  from: 'self' | 'peer';
  text: string;
  /** The sender's clock, Unix ms. */
  sentAt: number;
}

/**
 * The current call's chat: the conversation, whether the panel is open, and how many of the other side's messages
 * arrived while it was closed. It lives only in this tab's memory, for this call: nothing stores it, and a reload
 * (of either side) starts it over.
 */
export interface ChatState {
  entries: readonly ChatEntry[];
  open: boolean;
  unread: number;
}

export type ChatEvent =
  | { type: 'sent'; message: PeerChatMessage }
  | { type: 'received'; message: PeerChatMessage }
  | { type: 'open' }
  | { type: 'close' };

export const EMPTY_CHAT: ChatState = { entries: [], open: false, unread: 0 };

/** A long call keeps the newest messages only, so a chatty peer cannot grow this tab's memory without bound. */
export const CHAT_HISTORY_LIMIT = 500;

/** A message as we send it: trimmed, non-empty, within the protocol's limit; null when there is nothing to send. */
export function outgoingChat(text: string, id: string, now: number): PeerChatMessage | null {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > PEER_CHAT_LIMITS.maxTextLength) return null;
  return { type: 'chat', id, text: trimmed, sentAt: now };
}

function append(entries: readonly ChatEntry[], entry: ChatEntry): readonly ChatEntry[] {
  const next = [...entries, entry];
  return next.length > CHAT_HISTORY_LIMIT ? next.slice(next.length - CHAT_HISTORY_LIMIT) : next;
}

/** Pure: the chat after `event`; the same object when nothing changed. */
export function reduceChat(state: ChatState, event: ChatEvent): ChatState {
  switch (event.type) {
    case 'sent':
    case 'received': {
      const from = event.type === 'sent' ? 'self' : 'peer';
      const { id, text, sentAt } = event.message;
      // A message the channel delivered twice (it should not, it is reliable) is shown once.
      if (state.entries.some((e) => e.id === id && e.from === from)) return state;
      const entries = append(state.entries, { id, from, text, sentAt });
      return { ...state, entries, unread: from === 'peer' && !state.open ? state.unread + 1 : state.unread };
    }
    case 'open':
      return state.open && state.unread === 0 ? state : { ...state, open: true, unread: 0 };
    case 'close':
      return state.open ? { ...state, open: false } : state;
    default:
      return assertNever(event);
  }
}
