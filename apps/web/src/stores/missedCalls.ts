import type { CallHistoryItem } from '@parley/protocol';
import { useEffect } from 'react';
import { create } from 'zustand';
import { loadHistory, useHistoryStore } from './history';
import { useSessionStore } from './session';

/**
 * Missed calls since the person last looked at "Recent calls": incoming calls that ended `missed`, newer than the
 * newest call they saw there. The mark is remembered per user (two people can share a browser) as that call's
 * server timestamp, never the local clock, so a skewed clock cannot hide or resurrect a missed call.
 */

export interface MissedCallsState {
  /** `createdAt` of the newest call seen on the history screen, or null: never looked. */
  seenUpTo: string | null;
  userId: string | null;
}

const storageKey = (userId: string) => `parley.missedSeen.${userId}`;

export function isMissed(item: CallHistoryItem): boolean {
  return item.direction === 'incoming' && item.endReason === 'missed';
}

/** How many of `items` are missed calls newer than `seenUpTo`. */
export function countMissed(items: readonly CallHistoryItem[], seenUpTo: string | null): number {
  const since = seenUpTo === null ? Number.NEGATIVE_INFINITY : Date.parse(seenUpTo);
  return items.filter((item) => isMissed(item) && Date.parse(item.createdAt) > since).length;
}

/** The mark after looking at `items`: the newest `createdAt` among them and the mark before. */
export function seenMark(items: readonly CallHistoryItem[], before: string | null): string | null {
  let newest = before;
  for (const item of items) if (newest === null || Date.parse(item.createdAt) > Date.parse(newest)) newest = item.createdAt;
  return newest;
}

function read(userId: string): string | null {
  try {
    const value = localStorage.getItem(storageKey(userId));
    return value !== null && Number.isFinite(Date.parse(value)) ? value : null;
  } catch {
    return null;
  }
}

export const useMissedCallsStore = create<MissedCallsState>(() => ({ seenUpTo: null, userId: null }));

/** Switch to `userId`'s mark (on login; null on logout). */
export function loadMissedMark(userId: string | null): void {
  if (useMissedCallsStore.getState().userId === userId) return;
  useMissedCallsStore.setState({ userId, seenUpTo: userId === null ? null : read(userId) });
}

/** The person is looking at `items` on the history screen: everything in them is seen. */
export function markCallsSeen(items: readonly CallHistoryItem[]): void {
  const { userId, seenUpTo } = useMissedCallsStore.getState();
  if (userId === null) return;
  const next = seenMark(items, seenUpTo);
  if (next === seenUpTo || next === null) return;
  try {
    localStorage.setItem(storageKey(userId), next);
  } catch {
    // No storage: the mark lasts for this page.
  }
  useMissedCallsStore.setState({ seenUpTo: next });
}

/** The badge count of "Recent calls". */
export function useMissedCount(): number {
  const items = useHistoryStore((s) => s.items);
  const seenUpTo = useMissedCallsStore((s) => s.seenUpTo);
  return countMissed(items, seenUpTo);
}

/**
 * Keeps the missed-call mark in step with the logged-in person and the screen: loads the history once (the badge
 * needs it before "Recent calls" is opened) and marks everything listed as seen while that screen is shown.
 */
export function useMissedCallsTracking(historyShown: boolean): void {
  const userId = useSessionStore((s) => (s.status === 'authenticated' ? (s.user?.id ?? null) : null));
  const items = useHistoryStore((s) => s.items);
  useEffect(() => loadMissedMark(userId), [userId]);
  useEffect(() => {
    void loadHistory();
  }, []);
  useEffect(() => {
    if (historyShown && userId !== null) markCallsSeen(items);
  }, [historyShown, items, userId]);
}
