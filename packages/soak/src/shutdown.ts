import { CLOSE_CODES } from '@parley/protocol';
import http from 'node:http';
import { listAllUsernames, mapLimit, sleep } from './api.js';
import { PairEngine } from './pairs.js';
import { LOAD_ENV, ServerProcess } from './server-process.js';

export interface ShutdownOptions {
  pairs: number;
  loadMs: number;
  /** Registrations sent just before SIGTERM (with real argon2 cost, so they are still running when it lands). */
  inFlight?: number;
}

export interface ShutdownReport {
  pairs: number;
  socketsOpenAtSigterm: number;
  closeCodes: Record<string, number>;
  inFlight: number;
  inFlightAnswered: number;
  answeredAfterSigterm: number;
  inFlightStatuses: Record<string, number>;
  inFlightErrors: Record<string, number>;
  exitCode: number | null;
  exitSignal: string | null;
  shutdownMs: number;
  committedMissingAfterRestart: number;
  callsEndedServerRestart: number;
  failures: string[];
}

interface InFlight {
  status?: number;
  error?: string;
  answeredAt?: number;
}

/** POSTs a registration on its own connection; resolves once the request is fully written. */
function registerInFlight(baseUrl: string, username: string, outcome: InFlight): Promise<void> {
  return new Promise((written) => {
    const url = new URL(`${baseUrl}/api/v1/auth/register`);
    const body = JSON.stringify({ username, password: 'shutdown-test-password' });
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => {
          outcome.status = res.statusCode;
          outcome.answeredAt = Date.now();
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      outcome.error = error.code ?? error.message;
      written();
    });
    req.end(body, () => written());
  });
}

/**
 * Graceful shutdown: SIGTERM while calls trickle and registrations are being hashed. Sockets must close with 1001,
 * the requests already accepted must be answered, the process must exit 0, and everything committed must be there
 * after a restart.
 */
export async function runShutdown(options: ShutdownOptions): Promise<ShutdownReport> {
  // Real argon2 cost here (not LOAD_ENV's cheap one): the registrations must still be running at SIGTERM. Info
  // logs tell when the server has taken each request in.
  const env: Record<string, string> = { ...LOAD_ENV, ARGON2_MEMORY_KIB: '19456', ARGON2_TIME_COST: '3', LOG_LEVEL: 'info' };
  const first = await ServerProcess.start({ env });
  let second: ServerProcess | undefined;
  const failures: string[] = [];
  try {
    const engine = new PairEngine({ apiUrl: first.apiUrl, wsUrl: first.wsUrl, candidateIntervalMs: 100 });
    await engine.createPairs(options.pairs, 'shut');
    await engine.connectAll();
    await mapLimit(engine.pairs, 50, (pair) => engine.connectCall(pair));
    engine.startTrickle();
    await sleep(options.loadMs);

    const count = options.inFlight ?? 12;
    const outcomes: InFlight[] = Array.from({ length: count }, () => ({}));
    // In flight means the server has taken the request in (logged "incoming request"), not merely that it sits in
    // a socket buffer: a request the server has not read when it stops listening may be refused (503 or reset).
    const received = () => first.output.join('').split('\n').filter((l) => l.includes('"incoming request"') && l.includes('/api/v1/auth/register')).length;
    const receivedBefore = received();
    await Promise.all(outcomes.map((o, i) => registerInFlight(first.baseUrl, `inflight_${i}`, o)));
    const inDeadline = Date.now() + 10_000;
    while (received() < receivedBefore + count && Date.now() < inDeadline) await sleep(2);
    if (received() < receivedBefore + count) failures.push(`only ${received() - receivedBefore} of ${count} registrations reached the server`);
    const socketsOpenAtSigterm = engine.sides.filter((s) => s.client?.open).length;
    engine.expectCloses = true;
    const sigtermAt = Date.now();
    first.signal('SIGTERM');
    const exit = await Promise.race([first.exited, sleep(20_000).then(() => undefined)]);
    const shutdownMs = Date.now() - sigtermAt;
    engine.stopTrickle();
    if (!exit) {
      failures.push('the server did not exit within 20 s of SIGTERM');
      first.signal('SIGKILL');
      await first.exited;
    }
    await sleep(100);

    const tally = { ...engine.stats.expectedCloses, ...engine.stats.unexpectedCloses };
    const goingAway = tally[CLOSE_CODES.GOING_AWAY] ?? 0;
    if (goingAway !== socketsOpenAtSigterm) failures.push(`${socketsOpenAtSigterm} sockets open at SIGTERM, ${goingAway} closed with 1001: ${JSON.stringify(tally)}`);

    const answered = outcomes.filter((o) => o.status !== undefined);
    const answeredAfterSigterm = answered.filter((o) => o.answeredAt! > sigtermAt).length;
    const inFlightStatuses: Record<string, number> = {};
    const inFlightErrors: Record<string, number> = {};
    for (const o of outcomes) {
      if (o.status !== undefined) inFlightStatuses[o.status] = (inFlightStatuses[o.status] ?? 0) + 1;
      if (o.error !== undefined) inFlightErrors[o.error] = (inFlightErrors[o.error] ?? 0) + 1;
    }
    if (answered.length !== count) failures.push(`${count - answered.length} in-flight requests got no answer: ${JSON.stringify(inFlightErrors)}`);
    if (answeredAfterSigterm === 0) failures.push('no request was still running at SIGTERM: the test proved nothing');
    if (answered.some((o) => o.status !== 201)) failures.push(`in-flight registrations answered ${JSON.stringify(inFlightStatuses)}`);
    if (exit && exit.code !== 0) failures.push(`exit code ${exit.code} (signal ${exit.signal})`);

    // Nothing committed is lost: the registrations answered 201 and the calls are in the database.
    second = await first.restart();
    const viewer = engine.pairs[0]!.caller.account;
    const names = await listAllUsernames(second.apiUrl, viewer.token);
    const committed = outcomes.map((o, i) => (o.status === 201 ? `inflight_${i}` : '')).filter(Boolean);
    const missing = committed.filter((u) => !names.has(u)).length + engine.sides.filter((s) => !names.has(s.account.username) && s !== engine.pairs[0]!.caller).length;
    if (missing > 0) failures.push(`${missing} committed users missing after restart`);
    for (const pair of engine.pairs) pair.calls.push({ callId: pair.callId, expected: 'server_restart' });
    const endings = await engine.verifyEndings();
    failures.push(...endings.wrong.slice(0, 20));
    await engine.closeAll();

    return {
      pairs: options.pairs,
      socketsOpenAtSigterm,
      closeCodes: tally,
      inFlight: count,
      inFlightAnswered: answered.length,
      answeredAfterSigterm,
      inFlightStatuses,
      inFlightErrors,
      exitCode: exit?.code ?? null,
      exitSignal: exit?.signal ?? null,
      shutdownMs,
      committedMissingAfterRestart: missing,
      callsEndedServerRestart: endings.byReason['server_restart'] ?? 0,
      failures,
    };
  } finally {
    await second?.stop();
    await first.stop();
  }
}
