import type { RtcConfig } from '@parley/protocol';

/**
 * The ICE configuration of one call. TURN credentials are minted per request and expire (`expiresAt`, the server's
 * TURN_TTL_SECONDS), while a call can last longer: the source fetches the configuration again a minute before it
 * runs out, and an ICE restart asks for `fresh()` so the relay allocations it makes use credentials that still work.
 */
export interface IceConfig {
  iceServers: RTCIceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  /** When the TURN credentials stop working, in ms since the epoch. */
  expiresAt: number;
}

/** A configuration that expires within this long is fetched again before an ICE restart uses it. */
export const ICE_REFRESH_MARGIN_MS = 60_000;
/** After a failed fetch, the next attempt comes this much later. */
export const ICE_REFRESH_RETRY_MS = 15_000;

export function fromRtcConfig(config: RtcConfig): IceConfig {
  return {
    iceServers: config.iceServers.map((s) => ({ urls: s.urls, username: s.username, credential: s.credential })),
    iceTransportPolicy: config.iceTransportPolicy,
    expiresAt: Date.parse(config.expiresAt),
  };
}

/**
 * Without a configuration from the server: direct connections only. It counts as expired, so the next refresh or
 * ICE restart asks the server again.
 */
export const DIRECT_ONLY: IceConfig = { iceServers: [], iceTransportPolicy: 'all', expiresAt: 0 };

/** Does `config` run out within `marginMs` of `now`? */
export function expiresSoon(config: IceConfig, now: number, marginMs = ICE_REFRESH_MARGIN_MS): boolean {
  return config.expiresAt - now <= marginMs;
}

/**
 * When to fetch a configuration fetched at `fetchedAt` again: a minute before it expires, or half-way through a
 * lifetime shorter than two minutes (the server allows TTLs from 60 s), so there is always time to fetch.
 */
export function refreshDelayMs(config: IceConfig, fetchedAt: number, now: number): number {
  const lifetime = config.expiresAt - fetchedAt;
  const refreshAt = config.expiresAt - Math.min(ICE_REFRESH_MARGIN_MS, lifetime / 2);
  return Math.max(0, refreshAt - now);
}

/** One call's ICE configuration: fetched once up front, refreshed before it expires, never worse after a failure. */
export class IceConfigSource {
  readonly #fetch: () => Promise<RtcConfig>;
  readonly #now: () => number;
  #current: Promise<IceConfig>;
  #fetchedAt = 0;
  #lastFetchFailed = false;
  #lastGood: IceConfig | null = null;
  #inFlight: Promise<IceConfig> | null = null;

  constructor(fetch: () => Promise<RtcConfig>, now: () => number = Date.now) {
    this.#fetch = fetch;
    this.#now = now;
    this.#current = this.refresh();
  }

  /** The configuration to open a connection with. */
  current(): Promise<IceConfig> {
    return this.#current;
  }

  /** The configuration for an ICE restart: fetched again first when the one we have expires within a minute. */
  async fresh(): Promise<IceConfig> {
    const config = await this.#current;
    return expiresSoon(config, this.#now()) ? this.refresh() : config;
  }

  /** Fetch now (one fetch at a time); a failed fetch keeps the configuration we had. */
  refresh(): Promise<IceConfig> {
    if (this.#inFlight) return this.#inFlight;
    const attempt = this.#fetch().then(
      (config) => {
        this.#fetchedAt = this.#now();
        this.#lastFetchFailed = false;
        this.#lastGood = fromRtcConfig(config);
        return this.#lastGood;
      },
      (error: unknown) => {
        this.#lastFetchFailed = true;
        console.warn('[rtc] could not fetch the ICE configuration', error);
        return this.#lastGood ?? DIRECT_ONLY;
      },
    );
    this.#inFlight = attempt;
    this.#current = attempt;
    void attempt.then(() => {
      if (this.#inFlight === attempt) this.#inFlight = null;
    });
    return attempt;
  }

  /** How long until the next `refresh()` should run. */
  async nextRefreshInMs(): Promise<number> {
    const config = await this.#current;
    if (this.#lastFetchFailed) return ICE_REFRESH_RETRY_MS;
    return refreshDelayMs(config, this.#fetchedAt, this.#now());
  }
}
