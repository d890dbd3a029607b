import { expect, type Page } from '@playwright/test';
import type { Tab } from './app';

/**
 * What the page's debug hook reports about media arriving from the other side: plain numbers from
 * `RTCPeerConnection.getStats()` inbound-rtp records (see apps/web/src/rtc/callController.ts, `window.parleyDebug`).
 * The tests use it only to prove that audio and video really flow; everything else is asserted on what a person sees.
 */
export interface InboundSummary {
  audio: { packetsReceived: number; totalAudioEnergy: number; audioLevel: number } | null;
  video: { packetsReceived: number; framesDecoded: number; frameWidth: number; frameHeight: number } | null;
}

declare global {
  interface Window {
    parleyDebug?: {
      inbound(): Promise<InboundSummary | null>;
      connection(): ConnectionInfo | null;
      selectedPair(): Promise<SelectedPair | null>;
      iceServers(): { urls: string[]; username: string | null }[] | null;
      restartIce(): void;
    };
  }
}

export async function inbound(page: Page): Promise<InboundSummary> {
  const summary = await page.evaluate(() => window.parleyDebug?.inbound() ?? null);
  return summary ?? { audio: null, video: null };
}

const REMOTE = '[data-testid="remote-video"]';

/** Waits until the remote `<video>` has a picture and presents frames. */
export async function waitForRemoteVideo(page: Page, timeout = 20_000): Promise<void> {
  await page.waitForFunction(
    (selector) => {
      const video = document.querySelector<HTMLVideoElement>(selector);
      return !!video && video.videoWidth > 0 && video.readyState >= 2 && video.getVideoPlaybackQuality().totalVideoFrames > 0;
    },
    REMOTE,
    { polling: 'raf', timeout },
  );
}

/** How many frames the remote `<video>` presents in `ms`, counted with requestVideoFrameCallback. */
export async function presentedFrames(page: Page, ms = 1_000): Promise<number> {
  return page.evaluate(
    ({ selector, ms }) =>
      new Promise<number>((resolve) => {
        const video = document.querySelector<HTMLVideoElement>(selector);
        if (!video) return resolve(0);
        let frames = 0;
        let done = false;
        const onFrame = () => {
          if (done) return;
          frames++;
          video.requestVideoFrameCallback(onFrame);
        };
        video.requestVideoFrameCallback(onFrame);
        setTimeout(() => {
          done = true;
          resolve(frames);
        }, ms);
      }),
    { selector: REMOTE, ms },
  );
}

/** Remote video frames are being decoded and audio packets keep arriving. */
export async function expectMediaFlowing(page: Page): Promise<void> {
  const before = await inbound(page);
  await expect
    .poll(
      async () => {
        const now = await inbound(page);
        return (
          (now.video?.framesDecoded ?? 0) > (before.video?.framesDecoded ?? 0) + 5 &&
          (now.audio?.packetsReceived ?? 0) > (before.audio?.packetsReceived ?? 0) + 10
        );
      },
      { message: 'remote video frames decoded and audio packets received keep rising', timeout: 10_000 },
    )
    .toBe(true);
  // One second of a busy machine can present only a few frames; a frozen picture presents none, for any number of tries.
  await expect
    .poll(() => presentedFrames(page, 1_000), { message: 'remote video frames presented per second', timeout: 10_000 })
    .toBeGreaterThan(3);
}

const framesDecoded = async (page: Page) => (await inbound(page)).video?.framesDecoded ?? 0;

/**
 * Samples remote `framesDecoded` on both pages every `everyMs` for `forMs`: each sample must be higher than the
 * one before, on both sides (the picture never stopped).
 */
export async function expectFramesAdvancing(tabs: Tab[], forMs: number, everyMs = 500): Promise<void> {
  let last = await Promise.all(tabs.map((t) => framesDecoded(t.page)));
  for (let elapsed = 0; elapsed < forMs; elapsed += everyMs) {
    await tabs[0]!.page.waitForTimeout(everyMs);
    const now = await Promise.all(tabs.map((t) => framesDecoded(t.page)));
    tabs.forEach((tab, i) => expect(now[i], `${tab.user.username}'s remote frames after ${elapsed + everyMs} ms`).toBeGreaterThan(last[i]!));
    last = now;
  }
}

/** Growth of a stats counter over `ms`. */
async function growth(page: Page, pick: (s: InboundSummary) => number, ms: number): Promise<number> {
  const a = pick(await inbound(page));
  await page.waitForTimeout(ms);
  return pick(await inbound(page)) - a;
}

export const videoFramesIn = (page: Page, ms = 1_500) => growth(page, (s) => s.video?.framesDecoded ?? 0, ms);
export const audioEnergyIn = (page: Page, ms = 2_000) => growth(page, (s) => s.audio?.totalAudioEnergy ?? 0, ms);

export interface ConnectionInfo {
  signalingState: RTCSignalingState;
  connectionState: RTCPeerConnectionState;
  localIceUfrag: string | null;
}

export async function connectionInfo(page: Page): Promise<ConnectionInfo | null> {
  return page.evaluate(() => window.parleyDebug?.connection() ?? null);
}

export async function restartIce(page: Page): Promise<void> {
  await page.evaluate(() => window.parleyDebug?.restartIce());
}

/** The candidate pair the current connection sends media over, from `getStats()` (see `parleyDebug.selectedPair`). */
export interface SelectedPair {
  /** Candidate type on this side: `host`, `srflx`, `prflx` or `relay`. */
  local: string;
  /** Candidate type of the other side, as this side sees it. */
  remote: string;
  protocol: string;
  /** For a relay candidate on this side: how it reaches the TURN server (`udp`, `tcp`). */
  relayProtocol: string | null;
}

export async function selectedPair(page: Page): Promise<SelectedPair | null> {
  return page.evaluate(() => window.parleyDebug?.selectedPair() ?? null);
}

/** Usernames of the ICE servers the current connection uses (TURN REST usernames are `<expiry>:<userId>`). */
export async function iceUsernames(page: Page): Promise<string[]> {
  const servers = await page.evaluate(() => window.parleyDebug?.iceServers() ?? null);
  return (servers ?? []).flatMap((s) => (s.username ? [s.username] : []));
}
