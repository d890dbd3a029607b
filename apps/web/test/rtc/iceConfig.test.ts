import type { RtcConfig } from '@parley/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DIRECT_ONLY,
  expiresSoon,
  ICE_REFRESH_RETRY_MS,
  IceConfigSource,
  refreshDelayMs,
  type IceConfig,
} from '../../src/rtc/iceConfig';

const T0 = Date.parse('2026-11-26T12:00:00.000Z');
const config = (expiresAt: number): IceConfig => ({ iceServers: [], iceTransportPolicy: 'relay', expiresAt });

/** What GET /rtc/config answers at `now` with a TTL of `ttlSeconds`; the username says when it was minted. */
function served(now: number, ttlSeconds: number): RtcConfig {
  const expiry = Math.floor(now / 1000) + ttlSeconds;
  return {
    iceServers: [{ urls: ['turn:127.0.0.1:3478?transport=udp'], username: `${expiry}:u1`, credential: 'c' }],
    iceTransportPolicy: 'relay',
    expiresAt: new Date(expiry * 1000).toISOString(),
  };
}

/** A server behind a fake clock: each fetch mints credentials at the current time. */
function fakeServer(ttlSeconds = 3600) {
  const clock = { now: T0 };
  const fetch = vi.fn(async () => served(clock.now, ttlSeconds));
  return { clock, fetch, source: () => new IceConfigSource(fetch, () => clock.now) };
}

const username = (c: IceConfig) => c.iceServers[0]?.username;

describe('expiresSoon', () => {
  it('is true from a minute before expiry on', () => {
    expect(expiresSoon(config(T0 + 61_000), T0)).toBe(false);
    expect(expiresSoon(config(T0 + 60_000), T0)).toBe(true);
    expect(expiresSoon(config(T0 - 1), T0)).toBe(true);
  });
});

describe('refreshDelayMs', () => {
  it('refreshes a minute before expiry', () => {
    expect(refreshDelayMs(config(T0 + 3_600_000), T0, T0)).toBe(3_540_000);
    expect(refreshDelayMs(config(T0 + 3_600_000), T0, T0 + 1_000_000)).toBe(2_540_000);
  });
  it('refreshes half-way through a lifetime shorter than two minutes', () => {
    expect(refreshDelayMs(config(T0 + 60_000), T0, T0)).toBe(30_000);
    expect(refreshDelayMs(config(T0 + 100_000), T0, T0)).toBe(50_000);
  });
  it('refreshes at once when the moment has passed (a sleeping tab)', () => {
    expect(refreshDelayMs(config(T0 + 3_600_000), T0, T0 + 3_599_000)).toBe(0);
  });
});

describe('IceConfigSource', () => {
  afterEach(() => vi.restoreAllMocks());

  it('fetches once for the connection and reuses the configuration for restarts while it is good for more than a minute', async () => {
    const { clock, fetch, source } = fakeServer();
    const ice = source();
    const first = await ice.current();
    expect(first).toMatchObject({ iceTransportPolicy: 'relay', expiresAt: T0 + 3_600_000 });
    clock.now += 3_500_000;
    expect(await ice.fresh()).toBe(first);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('fetches fresh credentials for a restart when the cached ones expire within a minute', async () => {
    const { clock, fetch, source } = fakeServer();
    const ice = source();
    const first = await ice.current();
    clock.now += 3_545_000;
    const fresh = await ice.fresh();
    expect(fresh).not.toBe(first);
    expect(username(fresh)).toBe(`${Math.floor(clock.now / 1000) + 3600}:u1`);
    expect(await ice.current()).toBe(fresh);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('with the shortest TTL (60 s) every restart fetches fresh credentials', async () => {
    const { clock, fetch, source } = fakeServer(60);
    const ice = source();
    await ice.current();
    clock.now += 2_000;
    await ice.fresh();
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('shares one fetch between restarts that ask at the same time', async () => {
    const { clock, fetch, source } = fakeServer(60);
    const ice = source();
    await ice.current();
    clock.now += 1_000;
    const [a, b] = await Promise.all([ice.fresh(), ice.fresh()]);
    expect(a).toBe(b);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('schedules the next refresh a minute before expiry', async () => {
    const { source } = fakeServer();
    expect(await source().nextRefreshInMs()).toBe(3_540_000);
  });

  it('keeps the last good configuration when a refresh fails, and retries sooner', async () => {
    const { clock, fetch, source } = fakeServer();
    const ice = source();
    const first = await ice.current();
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    fetch.mockRejectedValueOnce(new Error('offline'));
    clock.now += 3_550_000;
    expect(await ice.refresh()).toBe(first);
    expect(await ice.nextRefreshInMs()).toBe(ICE_REFRESH_RETRY_MS);
    // The next attempt works again.
    const next = await ice.refresh();
    expect(next).not.toBe(first);
    expect(await ice.nextRefreshInMs()).toBe(3_540_000);
  });

  it('without any configuration from the server, tries direct connections and asks again at the next restart', async () => {
    const { fetch, source } = fakeServer();
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    fetch.mockRejectedValueOnce(new Error('offline'));
    const ice = source();
    expect(await ice.current()).toBe(DIRECT_ONLY);
    const fresh = await ice.fresh();
    expect(fresh).toMatchObject({ iceTransportPolicy: 'relay' });
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});
