/**
 * Connection quality from `RTCPeerConnection.getStats()`, as pure functions of the numbers so they can be tested
 * without a browser: `extractSample` reads one stats report, `QualityTracker` turns consecutive samples into a
 * verdict (good / poor / lost) and notices when the remote video stops moving (camera turned off).
 */

export type Quality = 'good' | 'poor' | 'lost';

export const QUALITY_THRESHOLDS = {
  /** Round-trip time above which talking over each other starts. */
  poorRttMs: 400,
  /** Share of packets lost in the last window above which audio breaks up and video freezes. */
  poorLossRatio: 0.05,
  /** No bytes at all for this long (not even RTCP) means the path is gone, whatever ICE says yet. */
  lostAfterMs: 3_000,
  /** No new decoded frame for this long means the other side's camera is off (or their video is stuck). */
  videoStalledAfterMs: 1_500,
} as const;

/** The numbers one `getStats()` call gives us, summed over audio and video. */
export interface StatsSample {
  /** When the sample was taken, in ms (any monotonic clock). */
  at: number;
  /** Round-trip time of the selected candidate pair, if known. */
  rttMs: number | null;
  packetsReceived: number;
  packetsLost: number;
  /** Bytes received on the transport, RTP and RTCP: keeps rising while the other side is there at all. */
  bytesReceived: number;
  /** Remote video frames decoded so far; null while there is no inbound video stream. */
  framesDecoded: number | null;
}

/** The figures that decide quality for one window between two samples. */
export interface QualityInputs {
  iceState: RTCIceConnectionState;
  rttMs: number | null;
  /** Packets lost / (lost + received) in the window; null when nothing was expected. */
  lossRatio: number | null;
  /** How long the transport has received nothing. */
  silentForMs: number;
}

export function assessQuality(input: QualityInputs): Quality {
  if (input.iceState === 'failed' || input.iceState === 'disconnected' || input.iceState === 'closed') return 'lost';
  if (input.silentForMs >= QUALITY_THRESHOLDS.lostAfterMs) return 'lost';
  if (input.rttMs !== null && input.rttMs > QUALITY_THRESHOLDS.poorRttMs) return 'poor';
  if (input.lossRatio !== null && input.lossRatio > QUALITY_THRESHOLDS.poorLossRatio) return 'poor';
  return 'good';
}

export function lossRatio(previous: StatsSample, current: StatsSample): number | null {
  const lost = Math.max(0, current.packetsLost - previous.packetsLost);
  const received = Math.max(0, current.packetsReceived - previous.packetsReceived);
  const expected = lost + received;
  return expected === 0 ? null : lost / expected;
}

export interface QualityVerdict {
  quality: Quality;
  /** `stalled` once no remote frame was decoded for a while; `none` when there is no inbound video at all. */
  remoteVideo: 'playing' | 'stalled' | 'none';
}

/** Feeds on one sample per second or so; remembers just enough history to judge windows. */
export class QualityTracker {
  #previous: StatsSample | null = null;
  #lastBytesAt: number | null = null;
  #lastFrameAt: number | null = null;
  /** A window with no packets at all says nothing about loss: judge by the last window that had some. */
  #lastLossRatio: number | null = null;

  update(sample: StatsSample, iceState: RTCIceConnectionState): QualityVerdict {
    const previous = this.#previous;
    this.#previous = sample;
    if (this.#lastBytesAt === null || (previous && sample.bytesReceived > previous.bytesReceived)) {
      this.#lastBytesAt = sample.at;
    }
    if (sample.framesDecoded !== null && (this.#lastFrameAt === null || (previous?.framesDecoded ?? 0) < sample.framesDecoded)) {
      this.#lastFrameAt = sample.at;
    }
    const ratio = previous ? lossRatio(previous, sample) : null;
    if (ratio !== null) this.#lastLossRatio = ratio;
    const quality = assessQuality({
      iceState,
      rttMs: sample.rttMs,
      lossRatio: this.#lastLossRatio,
      silentForMs: sample.at - this.#lastBytesAt,
    });
    let remoteVideo: QualityVerdict['remoteVideo'];
    if (sample.framesDecoded === null || sample.framesDecoded === 0) remoteVideo = 'none';
    else if (this.#lastFrameAt !== null && sample.at - this.#lastFrameAt >= QUALITY_THRESHOLDS.videoStalledAfterMs) remoteVideo = 'stalled';
    else remoteVideo = 'playing';
    return { quality, remoteVideo };
  }
}

/** The few fields of the stats dictionaries we read; everything is optional because browsers differ. */
export interface StatsRecord {
  type: string;
  id: string;
  kind?: string;
  packetsReceived?: number;
  packetsLost?: number;
  bytesReceived?: number;
  framesDecoded?: number;
  frameWidth?: number;
  frameHeight?: number;
  totalAudioEnergy?: number;
  audioLevel?: number;
  currentRoundTripTime?: number;
  selectedCandidatePairId?: string;
  nominated?: boolean;
  state?: string;
  selected?: boolean;
  localCandidateId?: string;
  remoteCandidateId?: string;
  /** Of `local-candidate` / `remote-candidate` records: `host`, `srflx`, `prflx` or `relay`. */
  candidateType?: string;
  protocol?: string;
  /** Of a relay `local-candidate`: how it reaches the TURN server (`udp`, `tcp`, `tls`). */
  relayProtocol?: string;
}

function selectedPair(records: readonly StatsRecord[]): StatsRecord | undefined {
  const byId = new Map(records.map((r) => [r.id, r]));
  for (const record of records) {
    if (record.type === 'transport' && record.selectedCandidatePairId) {
      const pair = byId.get(record.selectedCandidatePairId);
      if (pair) return pair;
    }
  }
  return records.find((r) => r.type === 'candidate-pair' && (r.selected || (r.nominated && r.state === 'succeeded')));
}

/** The candidate pair media flows over: which kinds of candidate it joins, and over what transport. */
export interface SelectedPair {
  local: string;
  remote: string;
  protocol: string;
  /** For a relay candidate on our side: how we reach the TURN server. */
  relayProtocol: string | null;
}

/** The selected candidate pair of a stats report, null while none is selected. */
export function describeSelectedPair(records: readonly StatsRecord[]): SelectedPair | null {
  const pair = selectedPair(records);
  if (!pair) return null;
  const byId = new Map(records.map((r) => [r.id, r]));
  const local = pair.localCandidateId ? byId.get(pair.localCandidateId) : undefined;
  const remote = pair.remoteCandidateId ? byId.get(pair.remoteCandidateId) : undefined;
  if (!local?.candidateType || !remote?.candidateType) return null;
  return {
    local: local.candidateType,
    remote: remote.candidateType,
    protocol: local.protocol ?? 'unknown',
    relayProtocol: local.relayProtocol ?? null,
  };
}

export function extractSample(records: readonly StatsRecord[], at: number): StatsSample {
  let packetsReceived = 0;
  let packetsLost = 0;
  let framesDecoded: number | null = null;
  let transportBytes = 0;
  let inboundBytes = 0;
  for (const record of records) {
    if (record.type === 'inbound-rtp') {
      packetsReceived += record.packetsReceived ?? 0;
      packetsLost += Math.max(0, record.packetsLost ?? 0);
      inboundBytes += record.bytesReceived ?? 0;
      if (record.kind === 'video' && record.framesDecoded !== undefined) framesDecoded = (framesDecoded ?? 0) + record.framesDecoded;
    } else if (record.type === 'transport') {
      transportBytes += record.bytesReceived ?? 0;
    }
  }
  const pair = selectedPair(records);
  const rtt = pair?.currentRoundTripTime;
  return {
    at,
    rttMs: typeof rtt === 'number' ? Math.round(rtt * 1000) : null,
    packetsReceived,
    packetsLost,
    bytesReceived: Math.max(transportBytes, inboundBytes),
    framesDecoded,
  };
}

/** What the other side is sending us, as plain numbers: the e2e tests read this through `window.parleyDebug`. */
export interface InboundSummary {
  audio: { packetsReceived: number; totalAudioEnergy: number; audioLevel: number } | null;
  video: { packetsReceived: number; framesDecoded: number; frameWidth: number; frameHeight: number } | null;
}

export function summarizeInbound(records: readonly StatsRecord[]): InboundSummary {
  const summary: InboundSummary = { audio: null, video: null };
  for (const record of records) {
    if (record.type !== 'inbound-rtp') continue;
    if (record.kind === 'audio') {
      const audio = summary.audio ?? { packetsReceived: 0, totalAudioEnergy: 0, audioLevel: 0 };
      audio.packetsReceived += record.packetsReceived ?? 0;
      audio.totalAudioEnergy += record.totalAudioEnergy ?? 0;
      audio.audioLevel = Math.max(audio.audioLevel, record.audioLevel ?? 0);
      summary.audio = audio;
    } else if (record.kind === 'video') {
      const video = summary.video ?? { packetsReceived: 0, framesDecoded: 0, frameWidth: 0, frameHeight: 0 };
      video.packetsReceived += record.packetsReceived ?? 0;
      video.framesDecoded += record.framesDecoded ?? 0;
      video.frameWidth = Math.max(video.frameWidth, record.frameWidth ?? 0);
      video.frameHeight = Math.max(video.frameHeight, record.frameHeight ?? 0);
      summary.video = video;
    }
  }
  return summary;
}
