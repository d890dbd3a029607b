/** The chat panel's element id, for the Chat button's `aria-controls` (apart, so the lazy panel is not pulled in). */
export const CHAT_PANEL_ID = 'chat-panel';
