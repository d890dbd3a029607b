import type { PeerLink } from './peerLink';
import { describeSelectedPair, summarizeInbound, type InboundSummary, type SelectedPair } from './quality';
import type { SetupPhase } from './setupTimeline';

/**
 * A small debug surface for the end-to-end tests (documented in e2e/README.md): what arrives from the other side,
 * the connection's negotiation state, and a way to force an ICE restart so tests can make both sides renegotiate
 * at the same moment (glare). Nothing in it changes what a call does on its own.
 */
export interface ParleyDebug {
  inbound(): Promise<InboundSummary | null>;
  connection(): { signalingState: RTCSignalingState; connectionState: RTCPeerConnectionState; localIceUfrag: string | null } | null;
  /** The candidate pair media flows over (`relay` on our side proves the call goes through TURN). */
  selectedPair(): Promise<SelectedPair | null>;
  /** The ICE servers the current connection uses now, without credentials (a restart may have replaced them). */
  iceServers(): { urls: string[]; username: string | null }[] | null;
  restartIce(): void;
  /** When each set-up step of the current (or last) call happened here, in epoch ms (see `setupTimeline.ts`). */
  timeline(): Partial<Record<SetupPhase, number>>;
}

declare global {
  interface Window {
    parleyDebug?: ParleyDebug;
  }
}

/** Install `window.parleyDebug` over whatever peer link the call has at the moment of each call. */
export function installDebugSurface(
  target: Window,
  currentLink: () => PeerLink | null,
  timeline: () => Readonly<Partial<Record<SetupPhase, number>>>,
): void {
  target.parleyDebug = {
    inbound: async () => {
      const link = currentLink();
      return link ? summarizeInbound(await link.stats()) : null;
    },
    connection: () => {
      const pc = currentLink()?.pc;
      if (!pc) return null;
      const ufrag = /a=ice-ufrag:(\S+)/.exec(pc.localDescription?.sdp ?? '')?.[1] ?? null;
      return { signalingState: pc.signalingState, connectionState: pc.connectionState, localIceUfrag: ufrag };
    },
    selectedPair: async () => {
      const link = currentLink();
      return link ? describeSelectedPair(await link.stats()) : null;
    },
    iceServers: () =>
      currentLink()
        ?.pc.getConfiguration()
        .iceServers?.map((server) => ({
          urls: typeof server.urls === 'string' ? [server.urls] : [...server.urls],
          username: server.username ?? null,
        })) ?? null,
    restartIce: () => void currentLink()?.restartIce(),
    timeline: () => ({ ...timeline() }),
  };
}
