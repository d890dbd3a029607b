import { PEER_CHAT_LIMITS, type PeerChatMessage } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { CHAT_HISTORY_LIMIT, EMPTY_CHAT, outgoingChat, reduceChat, type ChatState } from '../../src/stores/chat';

const message = (id: string, text = 'hi'): PeerChatMessage => ({ type: 'chat', id, text, sentAt: 1 });

describe('the chat log', () => {
  it('counts the other side’s messages as unread while the panel is closed, and clears the count on open', () => {
    let chat: ChatState = EMPTY_CHAT;
    chat = reduceChat(chat, { type: 'received', message: message('a') });
    chat = reduceChat(chat, { type: 'received', message: message('b') });
    chat = reduceChat(chat, { type: 'sent', message: message('c') });
    expect(chat.unread).toBe(2);
    chat = reduceChat(chat, { type: 'open' });
    expect(chat).toMatchObject({ open: true, unread: 0 });
    chat = reduceChat(chat, { type: 'received', message: message('d') });
    expect(chat.unread).toBe(0);
    chat = reduceChat(chat, { type: 'close' });
    chat = reduceChat(chat, { type: 'received', message: message('e') });
    expect(chat.unread).toBe(1);
    expect(chat.entries.map((e) => `${e.from}:${e.id}`)).toEqual(['peer:a', 'peer:b', 'self:c', 'peer:d', 'peer:e']);
  });

  it('shows a message delivered twice once, and returns the same state for no-op events', () => {
    const once = reduceChat(EMPTY_CHAT, { type: 'received', message: message('a') });
    expect(reduceChat(once, { type: 'received', message: message('a') })).toBe(once);
    expect(reduceChat(EMPTY_CHAT, { type: 'close' })).toBe(EMPTY_CHAT);
  });

  it('keeps the newest messages only', () => {
    let chat: ChatState = EMPTY_CHAT;
    for (let i = 0; i < CHAT_HISTORY_LIMIT + 5; i++) chat = reduceChat(chat, { type: 'received', message: message(String(i)) });
    expect(chat.entries).toHaveLength(CHAT_HISTORY_LIMIT);
    expect(chat.entries[0]?.id).toBe('5');
  });

  it('sends trimmed, non-empty text within the protocol’s limit only', () => {
    expect(outgoingChat('  hello  ', 'x', 5)).toEqual({ type: 'chat', id: 'x', text: 'hello', sentAt: 5 });
    expect(outgoingChat('   ', 'x', 5)).toBeNull();
    expect(outgoingChat('x'.repeat(PEER_CHAT_LIMITS.maxTextLength + 1), 'x', 5)).toBeNull();
  });
});
