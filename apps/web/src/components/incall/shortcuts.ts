import { useEffect, useRef } from 'react';

/**
 * The in-call keyboard shortcuts: single letters without modifiers, so they collide with no browser or screen
 * reader command, and ignored while the focus is in a text field, a select or anything editable (typing "m" in the
 * chat box is a letter, not a mute). Buttons show theirs in the tooltip and `aria-keyshortcuts`.
 */
export const CALL_SHORTCUTS = { mute: 'M', camera: 'V', chat: 'C', fullscreen: 'F' } as const;
export type ShortcutAction = keyof typeof CALL_SHORTCUTS;

const BY_CODE: ReadonlyMap<string, ShortcutAction> = new Map(
  (Object.entries(CALL_SHORTCUTS) as [ShortcutAction, string][]).map(([action, key]) => [`Key${key}`, action]),
);

/** Whether a key press belongs to what has the focus (typing, picking an option), not to the shortcuts. */
function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['button', 'checkbox', 'radio', 'range', 'submit', 'reset'].includes(target.type);
}

/** The action a key press asks for, if it is a shortcut here. Matched by `code`, so a Russian layout works too. */
export function shortcutOf(event: Pick<KeyboardEvent, 'code' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey' | 'repeat' | 'target'>): ShortcutAction | null {
  if (event.ctrlKey || event.metaKey || event.altKey || event.shiftKey || event.repeat || typingIn(event.target)) return null;
  return BY_CODE.get(event.code) ?? null;
}

/** Run `actions` on their shortcuts while the component is mounted (the in-call screen is shown). */
export function useCallShortcuts(actions: Partial<Record<ShortcutAction, () => void>>): void {
  const latest = useRef(actions);
  latest.current = actions;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      const action = shortcutOf(event);
      const run = action ? latest.current[action] : undefined;
      if (!run) return;
      event.preventDefault();
      run();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}
