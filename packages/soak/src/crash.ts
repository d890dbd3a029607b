import { listAllUsernames, mapLimit, register, sleep } from './api.js';
import { PairEngine, type RelayStats } from './pairs.js';
import { LOAD_ENV, ServerProcess } from './server-process.js';

export interface CrashOptions {
  pairs: number;
  /** Load before the kill. */
  loadMs: number;
  /** How long the server stays dead. */
  downMs?: number;
}

export interface CrashReport {
  pairs: number;
  registrationsAcknowledged: number;
  registrationsUnanswered: number;
  registrationsMissingAfterRestart: number;
  callsOpenAtKill: number;
  callsEndedServerRestart: number;
  participantsToldServerRestart: number;
  reconnects: number;
  maxReconnectAttempts: number;
  downtimeMs: number;
  callsAfterRestart: number;
  relayAfterRestart: Pick<RelayStats, 'countable' | 'delivered' | 'lost' | 'misrouted'>;
  failures: string[];
}

/**
 * Crash: `kill -9` in the middle of load (calls trickling, registrations streaming in), restart on the same
 * database and port. Every registration the server acknowledged must be there, every open call must have ended
 * as `server_restart`, and the clients must come back on their own (backoff) and call again.
 */
export async function runCrash(options: CrashOptions): Promise<CrashReport> {
  const env = { ...LOAD_ENV, CALL_RECONNECT_GRACE_MS: '5000' };
  const first = await ServerProcess.start({ env });
  let second: ServerProcess | undefined;
  const failures: string[] = [];
  try {
    const engine = new PairEngine({ apiUrl: first.apiUrl, wsUrl: first.wsUrl, candidateIntervalMs: 100, autoReconnect: true });
    await engine.createPairs(options.pairs, 'crash');
    await engine.connectAll();
    await mapLimit(engine.pairs, 50, (pair) => engine.connectCall(pair));
    engine.startTrickle();

    // Registrations streaming in, four at a time, until the server dies.
    const acknowledged: string[] = [];
    let unanswered = 0;
    let streaming = true;
    const stream = Promise.all(
      Array.from({ length: 4 }, async (_, worker) => {
        for (let i = 0; streaming; i += 1) {
          const username = `acked_${worker}_${i}`;
          try {
            await register(first.apiUrl, username, 'crash-test-password');
            acknowledged.push(username);
          } catch {
            unanswered += 1;
            await sleep(20);
          }
        }
      }),
    );

    await sleep(options.loadMs);
    engine.expectCloses = true;
    const killedAt = Date.now();
    first.signal('SIGKILL');
    await first.exited;
    await sleep(options.downMs ?? 1000);
    streaming = false;
    await stream;
    const callsOpenAtKill = engine.pairs.length;

    second = await first.restart();
    const downtimeMs = Date.now() - killedAt;
    // The clients reconnect on their own and rejoin; the server answers call:ended server_restart.
    const deadline = Date.now() + 30_000;
    const told = () => engine.sides.filter((s) => s.endedReason === 'server_restart').length;
    while (told() < engine.sides.length && Date.now() < deadline) await sleep(100);
    engine.stopTrickle();
    engine.expectCloses = false;

    const participantsToldServerRestart = told();
    if (participantsToldServerRestart !== engine.sides.length) {
      failures.push(`${engine.sides.length - participantsToldServerRestart} participants never heard call:ended server_restart`);
    }
    for (const pair of engine.pairs) pair.calls.push({ callId: pair.callId, expected: 'server_restart' });
    const endings = await engine.verifyEndings();
    failures.push(...endings.wrong.slice(0, 20));

    // Every acknowledged registration survived: the user list (one query) must contain each name.
    const viewer = engine.pairs[0]!.caller.account;
    const names = await listAllUsernames(second.apiUrl, viewer.token);
    const missing = acknowledged.filter((u) => !names.has(u));
    if (missing.length > 0) failures.push(`${missing.length} acknowledged registrations missing after restart, e.g. ${missing.slice(0, 5).join(', ')}`);
    if (acknowledged.length === 0) failures.push('no registration was acknowledged before the kill: nothing was tested');
    const ready = await fetch(`${second.baseUrl}/readyz`);
    if (ready.status !== 200) failures.push(`readyz ${ready.status} after restart`);

    // Everyone can call again on the restarted server.
    await engine.settleConnections();
    for (const side of engine.sides) {
      side.sent.length = 0;
      side.lastSeqFromPeer = -1;
      side.endedReason = undefined;
      side.bound = false;
    }
    const before = engine.stats.sent;
    let callsAfterRestart = 0;
    await mapLimit(engine.pairs, 50, async (pair) => {
      try {
        await engine.connectCall(pair);
        callsAfterRestart += 1;
      } catch (error) {
        failures.push(`pair ${pair.index} could not call after the restart: ${(error as Error).message}`);
      }
    });
    engine.startTrickle();
    await sleep(2000);
    engine.stopTrickle();
    const relay = await engine.settleMessages();
    if (relay.lost > 0 || relay.misrouted > 0) failures.push(`after restart: ${relay.lost} lost, ${relay.misrouted} misrouted`);
    if (engine.stats.sent === before) failures.push('no candidate was sent after the restart');
    if (relay.reconnectFailures > 0) failures.push(`${relay.reconnectFailures} clients gave up reconnecting`);
    await engine.closeAll();

    return {
      pairs: options.pairs,
      registrationsAcknowledged: acknowledged.length,
      registrationsUnanswered: unanswered,
      registrationsMissingAfterRestart: missing.length,
      callsOpenAtKill,
      callsEndedServerRestart: endings.byReason['server_restart'] ?? 0,
      participantsToldServerRestart,
      reconnects: relay.reconnects,
      maxReconnectAttempts: relay.maxReconnectAttempts,
      downtimeMs,
      callsAfterRestart,
      relayAfterRestart: { countable: relay.countable, delivered: relay.delivered, lost: relay.lost, misrouted: relay.misrouted },
      failures,
    };
  } finally {
    await second?.stop();
    await first.stop();
  }
}
