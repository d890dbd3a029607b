import type { RelayedEnvelope } from '@parley/protocol';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

type RelayedType = RelayedEnvelope['type'];

/** What a cluster node's bus tells the metrics: batches sent to single nodes by path, links up by direction. */
export interface BusStats {
  sent(): { link: number; redis: number };
  links(): { out: number; in: number };
}
const RELAYED_TYPES: readonly RelayedType[] = ['webrtc:offer', 'webrtc:answer', 'webrtc:ice-candidate'];

/** At most one relayed frame in this many milliseconds is timed for `parley_ws_relay_seconds` (50 a second). */
export const RELAY_TIMING_MS = 20;

/** Prometheus metrics of one app instance (its own registry, so tests can run several apps in one process). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'parley_process_' });
  const opts = { registers: [registry] };
  // Relayed frames are counted in plain numbers and handed to prom-client when scraped: `inc({ type })` builds a
  // label hash string per call, a measurable share of the relay path's CPU at tens of thousands of frames/s.
  const relayedSinceScrape: Record<RelayedType, number> = { 'webrtc:offer': 0, 'webrtc:answer': 0, 'webrtc:ice-candidate': 0 };
  const relayed = new Counter({
    name: 'parley_ws_relayed_total',
    help: 'Signaling messages relayed, by type',
    labelNames: ['type'],
    ...opts,
    collect() {
      for (const type of RELAYED_TYPES) {
        if (relayedSinceScrape[type] > 0) this.inc({ type }, relayedSinceScrape[type]);
        relayedSinceScrape[type] = 0;
      }
    },
  });
  // A cluster node's bus reports what it sent and which links are up when scraped (see `watchBus`).
  let bus: BusStats | null = null;
  const reportedSends = { link: 0, redis: 0 };
  const busSends = new Counter({
    name: 'parley_cluster_bus_sends_total',
    help: 'Batches of bus messages this node sent to one other node, by path: over the direct link to it, or through Redis',
    labelNames: ['path'],
    ...opts,
    collect() {
      if (bus === null) return;
      const sent = bus.sent();
      for (const path of ['link', 'redis'] as const) {
        if (sent[path] > reportedSends[path]) this.inc({ path }, sent[path] - reportedSends[path]);
        reportedSends[path] = sent[path];
      }
    },
  });
  const links = new Gauge({
    name: 'parley_cluster_links',
    help: 'Direct links to other nodes that are up, by who opened them (out: this node, to send; in: another node)',
    labelNames: ['direction'],
    ...opts,
    collect() {
      if (bus === null) return;
      const up = bus.links();
      this.set({ direction: 'out' }, up.out);
      this.set({ direction: 'in' }, up.in);
    },
  });
  return {
    registry,
    busSends,
    links,
    /** Reports a cluster node's bus in `busSends` and `links`. */
    watchBus(source: BusStats): void {
      bus = source;
    },
    wsConnections: new Gauge({ name: 'parley_ws_connections', help: 'Open WebSocket connections', ...opts }),
    onlineUsers: new Gauge({ name: 'parley_online_users', help: 'Users with at least one open connection', ...opts }),
    liveCalls: new Gauge({ name: 'parley_calls_live', help: 'Calls by status (created = ringing)', labelNames: ['status'], ...opts }),
    callsCreated: new Counter({ name: 'parley_calls_created_total', help: 'Calls placed', ...opts }),
    callsEnded: new Counter({ name: 'parley_calls_ended_total', help: 'Calls ended, by reason', labelNames: ['reason'], ...opts }),
    callDuration: new Histogram({
      name: 'parley_call_duration_seconds',
      help: 'Talk time of answered calls',
      buckets: [5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200],
      ...opts,
    }),
    relayed,
    /** One relayed frame of `type` (cheap; folded into `relayed` at scrape time). */
    countRelayed(type: RelayedType): void {
      relayedSinceScrape[type] += 1;
    },
    relayLatency: new Histogram({
      name: 'parley_ws_relay_seconds',
      help: `Time from receiving a signaling frame to handing it to the peer socket (at most one relayed frame in ${RELAY_TIMING_MS} ms is timed)`,
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
      ...opts,
    }),
    rejectedFrames: new Counter({ name: 'parley_ws_rejected_total', help: 'Inbound frames answered with an error, by code', labelNames: ['code'], ...opts }),
    busGaps: new Counter({ name: 'parley_cluster_bus_gaps_total', help: 'Times this node found the cluster bus had lost messages and resynced', ...opts }),
    nodesReaped: new Counter({ name: 'parley_cluster_nodes_reaped_total', help: 'Silent nodes this node declared dead', ...opts }),
    fenced: new Counter({ name: 'parley_cluster_fenced_total', help: 'Times this node found itself declared dead and joined again', ...opts }),
    localLimitDecisions: new Counter({
      name: 'parley_limit_local_decisions_total',
      help: 'Cluster-wide limit checks this node decided alone because Redis did not answer, by limit',
      labelNames: ['limit'],
      ...opts,
    }),
    loginAttempts: new Counter({ name: 'parley_login_attempts_total', help: 'Login attempts, by result', labelNames: ['result'], ...opts }),
    argon2Seconds: new Histogram({
      name: 'parley_argon2_seconds',
      help: 'Time to hash or verify a password',
      labelNames: ['op'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      ...opts,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
