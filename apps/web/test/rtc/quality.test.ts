import { describe, expect, it } from 'vitest';
import {
  assessQuality,
  describeSelectedPair,
  extractSample,
  lossRatio,
  QUALITY_THRESHOLDS,
  QualityTracker,
  summarizeInbound,
  type StatsRecord,
  type StatsSample,
} from '../../src/rtc/quality';

function sample(at: number, over: Partial<StatsSample> = {}): StatsSample {
  return { at, rttMs: 20, packetsReceived: at, packetsLost: 0, bytesReceived: at * 100, framesDecoded: at / 40, ...over };
}

describe('assessQuality', () => {
  const fine = { iceState: 'connected', rttMs: 40, lossRatio: 0, silentForMs: 0 } as const;

  it('is good on a fast clean path', () => {
    expect(assessQuality(fine)).toBe('good');
    expect(assessQuality({ ...fine, rttMs: null, lossRatio: null })).toBe('good');
  });

  it('is poor with high round-trip time or packet loss', () => {
    expect(assessQuality({ ...fine, rttMs: QUALITY_THRESHOLDS.poorRttMs + 1 })).toBe('poor');
    expect(assessQuality({ ...fine, rttMs: QUALITY_THRESHOLDS.poorRttMs })).toBe('good');
    expect(assessQuality({ ...fine, lossRatio: 0.08 })).toBe('poor');
    expect(assessQuality({ ...fine, lossRatio: 0.04 })).toBe('good');
  });

  it('is lost when ICE is down or nothing arrives', () => {
    expect(assessQuality({ ...fine, iceState: 'disconnected' })).toBe('lost');
    expect(assessQuality({ ...fine, iceState: 'failed' })).toBe('lost');
    expect(assessQuality({ ...fine, silentForMs: QUALITY_THRESHOLDS.lostAfterMs })).toBe('lost');
  });
});

describe('lossRatio', () => {
  it('is the share of packets lost in the window', () => {
    expect(lossRatio(sample(0, { packetsReceived: 100, packetsLost: 10 }), sample(1, { packetsReceived: 190, packetsLost: 20 }))).toBe(0.1);
  });
  it('is null when no packets were expected', () => {
    expect(lossRatio(sample(0, { packetsReceived: 5 }), sample(1, { packetsReceived: 5 }))).toBeNull();
  });
});

describe('QualityTracker', () => {
  it('turns good, then poor under loss, then lost when bytes stop', () => {
    const tracker = new QualityTracker();
    expect(tracker.update(sample(1000), 'connected').quality).toBe('good');
    expect(tracker.update(sample(2000), 'connected').quality).toBe('good');
    expect(tracker.update(sample(3000, { packetsReceived: 2900, packetsLost: 200 }), 'connected').quality).toBe('poor');
    const frozen = { packetsReceived: 2900, packetsLost: 200, bytesReceived: 300_000 };
    expect(tracker.update(sample(4000, frozen), 'connected').quality).toBe('poor');
    expect(tracker.update(sample(7000, frozen), 'connected').quality).toBe('lost');
  });

  it('notices when the remote video stops moving and when it comes back', () => {
    const tracker = new QualityTracker();
    expect(tracker.update(sample(0, { framesDecoded: null }), 'connected').remoteVideo).toBe('none');
    expect(tracker.update(sample(1000, { framesDecoded: 30 }), 'connected').remoteVideo).toBe('playing');
    expect(tracker.update(sample(2000, { framesDecoded: 30 }), 'connected').remoteVideo).toBe('playing');
    expect(tracker.update(sample(2600, { framesDecoded: 30 }), 'connected').remoteVideo).toBe('stalled');
    expect(tracker.update(sample(3600, { framesDecoded: 60 }), 'connected').remoteVideo).toBe('playing');
  });
});

describe('reading a stats report', () => {
  const report: StatsRecord[] = [
    { type: 'inbound-rtp', id: 'ia', kind: 'audio', packetsReceived: 500, packetsLost: 5, bytesReceived: 40_000, totalAudioEnergy: 1.5, audioLevel: 0.2 },
    { type: 'inbound-rtp', id: 'iv', kind: 'video', packetsReceived: 900, packetsLost: -1, bytesReceived: 900_000, framesDecoded: 300, frameWidth: 640, frameHeight: 480 },
    { type: 'transport', id: 't', bytesReceived: 960_000, selectedCandidatePairId: 'p2' },
    { type: 'candidate-pair', id: 'p1', currentRoundTripTime: 0.9, nominated: false, state: 'failed' },
    { type: 'candidate-pair', id: 'p2', currentRoundTripTime: 0.012, nominated: true, state: 'succeeded' },
  ];

  it('sums inbound packets, ignores negative loss and takes RTT from the selected pair', () => {
    expect(extractSample(report, 42)).toEqual({
      at: 42,
      rttMs: 12,
      packetsReceived: 1400,
      packetsLost: 5,
      bytesReceived: 960_000,
      framesDecoded: 300,
    });
  });

  it('falls back to the nominated succeeded pair without a transport record', () => {
    expect(extractSample(report.filter((r) => r.type !== 'transport'), 0).rttMs).toBe(12);
  });

  it('summarises what arrives per kind', () => {
    expect(summarizeInbound(report)).toEqual({
      audio: { packetsReceived: 500, totalAudioEnergy: 1.5, audioLevel: 0.2 },
      video: { packetsReceived: 900, framesDecoded: 300, frameWidth: 640, frameHeight: 480 },
    });
    expect(summarizeInbound([])).toEqual({ audio: null, video: null });
  });
});

describe('the selected candidate pair', () => {
  const report: StatsRecord[] = [
    { type: 'transport', id: 't', selectedCandidatePairId: 'p2' },
    { type: 'candidate-pair', id: 'p1', localCandidateId: 'lh', remoteCandidateId: 'rh', nominated: false, state: 'failed' },
    { type: 'candidate-pair', id: 'p2', localCandidateId: 'lr', remoteCandidateId: 'rr', nominated: true, state: 'succeeded' },
    { type: 'local-candidate', id: 'lh', candidateType: 'host', protocol: 'udp' },
    { type: 'local-candidate', id: 'lr', candidateType: 'relay', protocol: 'udp', relayProtocol: 'tcp' },
    { type: 'remote-candidate', id: 'rh', candidateType: 'host', protocol: 'udp' },
    { type: 'remote-candidate', id: 'rr', candidateType: 'relay', protocol: 'udp' },
  ];

  it('names the candidate types on both ends and how we reach the relay', () => {
    expect(describeSelectedPair(report)).toEqual({ local: 'relay', remote: 'relay', protocol: 'udp', relayProtocol: 'tcp' });
  });

  it('has no relay protocol for a direct pair', () => {
    const direct = report.map((r) => (r.type === 'transport' ? { ...r, selectedCandidatePairId: 'p1' } : r));
    expect(describeSelectedPair(direct)).toEqual({ local: 'host', remote: 'host', protocol: 'udp', relayProtocol: null });
  });

  it('is null until a pair is selected (or when its candidates are missing from the report)', () => {
    expect(describeSelectedPair([{ type: 'transport', id: 't' }])).toBeNull();
    expect(describeSelectedPair(report.filter((r) => r.id !== 'rr'))).toBeNull();
  });
});
