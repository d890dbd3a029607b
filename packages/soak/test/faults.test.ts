import { CLOSE_CODES } from '@parley/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { runCrash } from '../src/crash.js';
import { stopAllServers } from '../src/server-process.js';
import { runShutdown } from '../src/shutdown.js';
import { runSlowConsumer, SLOW_CONSUMER_RSS_BUDGET } from '../src/slow-consumer.js';

afterEach(stopAllServers);

describe('crash (kill -9 under load, restart on the same database)', () => {
  it('keeps every acknowledged registration, ends open calls as server_restart, and the clients come back and call again', async () => {
    const report = await runCrash({ pairs: 10, loadMs: 1500 });
    console.log('crash', JSON.stringify(report));
    expect(report.failures).toEqual([]);
    expect(report.registrationsAcknowledged).toBeGreaterThan(0);
    expect(report.registrationsMissingAfterRestart).toBe(0);
    expect(report.callsEndedServerRestart).toBe(10);
    expect(report.participantsToldServerRestart).toBe(20);
    expect(report.maxReconnectAttempts).toBeGreaterThan(1);
    expect(report.callsAfterRestart).toBe(10);
  });
});

describe('slow consumer', () => {
  it('closes a socket that stops reading instead of buffering the flood', async () => {
    const report = await runSlowConsumer({ floodMiB: 128 });
    console.log('slow consumer', JSON.stringify(report));
    expect(report.failures).toEqual([]);
    expect(report.detectedAfterBytes).toBeLessThan(report.floodBytes);
    expect(report.rssGrowth).toBeLessThan(SLOW_CONSUMER_RSS_BUDGET);
    expect([CLOSE_CODES.SLOW_CONSUMER, 1006]).toContain(report.frozenSideCloseCode);
  });
});

describe('graceful shutdown (SIGTERM under load)', () => {
  it('closes sockets with 1001, answers the requests in flight, exits 0 and loses nothing committed', async () => {
    const report = await runShutdown({ pairs: 10, loadMs: 1000 });
    console.log('shutdown', JSON.stringify(report));
    expect(report.failures).toEqual([]);
    expect(report.closeCodes[CLOSE_CODES.GOING_AWAY]).toBe(20);
    expect(report.inFlightAnswered).toBe(report.inFlight);
    expect(report.answeredAfterSigterm).toBeGreaterThan(0);
    expect(report.exitCode).toBe(0);
    expect(report.callsEndedServerRestart).toBe(10);
  });
});
