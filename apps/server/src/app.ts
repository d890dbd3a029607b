import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import websocket from '@fastify/websocket';
import { CLOSE_CODES, LIMITS } from '@parley/protocol';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { MemoryLoginThrottle, type LoginThrottle } from './auth/login-throttle.js';
import { PasswordHasher } from './auth/passwords.js';
import { ClusterLoginThrottle, RedisLoginThrottle } from './auth/redis-login-throttle.js';
import { authPlugin } from './auth/plugin.js';
import { Sessions } from './auth/sessions.js';
import { CallService } from './calls/service.js';
import { LocalDirectory, type Directory } from './cluster/directory.js';
import { NodeIdentity } from './cluster/node-id.js';
import { linkKey } from './cluster/node-link.js';
import { ClusterNode } from './cluster/node.js';
import { RedisOrLocal, type SharedLimit } from './cluster/redis-fallback.js';
import type { Config } from './config.js';
import { clientErrorHandler } from './http/client-error.js';
import { capConnectionsPerIp, requestTimeoutOptions, trustedProxyTest } from './http/connections.js';
import { installErrorHandling } from './http/error-handler.js';
import { AppError } from './http/errors.js';
import { installJsonBodyParser } from './http/json-body.js';
import { sharedRateLimitStore } from './http/rate-limit-store.js';
import { loggerOptions } from './http/logger.js';
import { QuietAssetsLogController } from './http/log-controller.js';
import { lazyRequestLogger } from './http/request-logger.js';
import { securityHeadersFor } from './http/security-headers.js';
import { ensureSelfSignedCertificate, readTls } from './http/tls.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { asyncApiRoutes, signalingTagDescription } from './routes/asyncapi.js';
import { openApiOptions } from './http/openapi.js';
import { accountRoutes } from './routes/account.js';
import { authRoutes } from './routes/auth.js';
import { blockRoutes } from './routes/blocks.js';
import { callRoutes } from './routes/calls.js';
import { healthRoutes } from './routes/health.js';
import { rtcRoutes } from './routes/rtc.js';
import { userRoutes } from './routes/users.js';
import { SignalingHub } from './signaling/hub.js';
import { PresenceFeed, type Presence } from './signaling/presence.js';
import { Router } from './signaling/router.js';
import { signalingRoutes } from './signaling/route.js';
import { socketErrorHandler } from './signaling/socket-errors.js';
import { openStore, type Store } from './store/index.js';
import { SqliteStore } from './store/sqlite/store.js';
import type { UserStore } from './store/types.js';
import { BlockService } from './users/blocks.js';
import { UserCache } from './users/cache.js';

export interface AppServices {
  config: Config;
  store: Store;
  users: UserStore;
  /** Users by id for authentication, cached (see `users/cache.ts`). */
  userCache: UserCache;
  calls: CallService;
  blocks: BlockService;
  hub: SignalingHub;
  directory: Directory;
  presence: Presence;
  identity: NodeIdentity;
  /** This process as a cluster node; null in single-process mode. */
  cluster: ClusterNode | null;
  hasher: PasswordHasher;
  loginThrottle: LoginThrottle;
  /** Ends sessions: logout, password change, account deletion. */
  sessions: Sessions;
  metrics: Metrics;
}

declare module 'fastify' {
  interface FastifyInstance {
    parley: AppServices;
  }
}

/** How often a SQLite-backed user cache asks whether another process committed (a user deleted by the CLI). */
export const FOREIGN_WRITE_CHECK_MS = 100;
/** How long a PostgreSQL-backed node trusts a cached user (another node or the CLI may have deleted it). */
const CLUSTER_USER_MAX_AGE_MS = 1_000;
/** How long a draining cluster node waits for its sockets' closing handshakes before dropping them. */
const DRAIN_MS = 2_000;

export interface BuildOptions {
  /** Where log lines go instead of stdout (tests capture them to check what is logged). */
  logStream?: NodeJS.WritableStream;
}

/** Builds the whole server — REST, WebSocket, SPA — without listening. Tests, the CLI and `server.ts` share it. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  if (config.tls?.selfSigned) await ensureSelfSignedCertificate(config.tls.certPath, config.tls.keyPath);
  const app = Fastify({
    logger: loggerOptions(config, options.logStream),
    childLoggerFactory: lazyRequestLogger,
    logController: new QuietAssetsLogController(),
    genReqId: () => randomUUID(),
    bodyLimit: 16 * 1024,
    clientErrorHandler,
    // Malformed URLs (bad %-escapes, over-long ids) are answered before routing: keep the error body contract.
    frameworkErrors: (_error, _request, reply: FastifyReply) =>
      reply.code(400).send(new AppError('VALIDATION_FAILED', 'The URL is malformed or too long').toBody()),
    // Slow or silent clients cannot hold connections: see http/connections.ts and the README's Limits table.
    connectionTimeout: config.http.connectionTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    requestTimeout: config.http.requestTimeoutMs,
    trustProxy: config.trustProxy ?? false,
    ...(config.tls
      ? { https: { ...readTls(config.tls), ...requestTimeoutOptions(config.http) } }
      : { http: requestTimeoutOptions(config.http) }),
  });
  capConnectionsPerIp(app.server, config.http.maxConnectionsPerIp, trustedProxyTest(config.trustProxy));
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  installErrorHandling(app);
  installJsonBodyParser(app);
  if (config.jwtSecretFile?.created) {
    app.log.info({ path: config.jwtSecretFile.path }, 'JWT_SECRET is unset: generated a secret into the data folder (kept for later starts)');
  }

  const store = await openStore(config.database);
  const metrics = createMetrics();
  const userCache = new UserCache(
    store.users,
    store instanceof SqliteStore
      ? { kind: 'foreign-commits', count: () => store.foreignCommitCount(), checkEveryMs: FOREIGN_WRITE_CHECK_MS }
      : { kind: 'max-age', maxAgeMs: CLUSTER_USER_MAX_AGE_MS },
  );
  const identity = new NodeIdentity();
  const hub = new SignalingHub(
    { maxConnectionsPerUser: config.rateLimits.wsMaxConnectionsPerUser, maxBufferedBytes: config.wsMaxBufferedBytes },
    metrics,
  );
  const feed = new PresenceFeed(
    hub,
    config.presenceBatchMs,
    (userIds) => store.blocks.blockedBy(userIds),
    (error) => app.log.error({ err: error }, 'a presence batch was dropped: the blocks could not be read'),
  );
  const timings = {
    ringTimeoutMs: config.callRingTimeoutMs,
    reconnectGraceMs: config.callReconnectGraceMs,
    pairRingLimit: { max: config.rateLimits.ringsPerPair, windowMs: config.rateLimits.ringWindowMs },
  };
  const cluster =
    config.cluster === null
      ? null
      : new ClusterNode(
          {
            ...config.cluster,
            reconnectGraceMs: timings.reconnectGraceMs,
            maxConnectionsPerUser: config.rateLimits.wsMaxConnectionsPerUser,
            link: config.cluster.link === null ? null : { ...config.cluster.link, key: linkKey(config.jwtSecret) },
          },
          identity,
          store,
          hub,
          feed,
          metrics,
          app.log,
        );
  const directory: Directory = cluster?.directory ?? new LocalDirectory(hub);
  const presence: Presence = cluster?.presence ?? feed;
  const router = new Router(hub, directory, identity, cluster?.bus ?? null);
  const calls = new CallService(store, userCache, router, timings, app.log, metrics, cluster?.replication ?? null);
  const hasher = new PasswordHasher(config.argon2);
  const { loginFailuresPerUsername, loginFailureWindowMs } = config.rateLimits;
  const nodeThrottle = new MemoryLoginThrottle(loginFailuresPerUsername, loginFailureWindowMs);
  // In a cluster the limits live in Redis, so N nodes do not allow N× the attempts; see cluster/redis-fallback.ts
  // for what happens while Redis does not answer.
  const redisOrLocal = (limit: SharedLimit) => new RedisOrLocal(limit, app.log, () => metrics.localLimitDecisions.inc({ limit }));
  const loginThrottle: LoginThrottle =
    cluster === null
      ? nodeThrottle
      : new ClusterLoginThrottle(
          new RedisLoginThrottle(cluster.bus.commands, loginFailuresPerUsername, loginFailureWindowMs),
          nodeThrottle,
          redisOrLocal('login_throttle'),
          app.log,
        );
  const blocks = new BlockService(store, userCache, router);
  const sessions = new Sessions(store.users, userCache, hub, calls, cluster?.bus ?? null);
  app.decorate('parley', { config, store, users: store.users, userCache, calls, blocks, hub, directory, presence, identity, cluster, hasher, loginThrottle, sessions, metrics });

  app.addHook('preClose', async () => {
    if (cluster === null) {
      // One process: the calls stay as they are in the database and end as `server_restart` at the next start.
      await calls.shutdown();
      hub.closeAll(CLOSE_CODES.GOING_AWAY, 'Server shutting down');
    } else {
      // A cluster node drains: its sockets close with 1001 and their calls enter the reconnect grace (their clients
      // rejoin through another node), then it leaves the directory and the nodes table.
      hub.closeAll(CLOSE_CODES.GOING_AWAY, 'Server shutting down');
      await hub.closed(DRAIN_MS);
      await calls.drained();
      await cluster.leave();
    }
    presence.stop();
  });
  app.addHook('onClose', async () => {
    await cluster?.close();
    await store.close();
  });

  // The security headers never change, so they are precomputed sets (documents or API answers, see
  // http/security-headers.ts) set by a single synchronous hook, with the request id: no per-request middleware chain
  // or async hooks. Global onRequest hooks run for every routed request (404s included) before any route's own hooks
  // (authentication), so every answer but a malformed-URL 400 (answered before routing) carries them. Routes may
  // still override one (swagger-ui's own CSP on /docs).
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(securityHeadersFor(request.url)).header('x-request-id', request.id);
    done();
  });
  if (config.corsOrigins.length > 0) await app.register(cors, { origin: config.corsOrigins, credentials: false });
  await app.register(rateLimit, {
    global: false,
    ...(cluster === null ? {} : { store: sharedRateLimitStore(cluster.bus.commands, redisOrLocal('rate_limit')) }),
    errorResponseBuilder: () => new AppError('RATE_LIMITED', 'Too many requests; try again later'),
  });
  await app.register(authPlugin, { secret: config.jwtSecret, expiresInSeconds: config.jwtExpiresInSeconds, users: userCache });
  await app.register(websocket, {
    errorHandler: socketErrorHandler,
    options: {
      maxPayload: LIMITS.maxFrameBytes,
      // No compression: the hub writes its frames to the stream itself (signaling/text-frame.ts), which holds only
      // while `ws`'s sender never queues a frame behind a compression in progress.
      perMessageDeflate: false,
      // A text frame's UTF-8 is checked where the frame is read (signaling/route.ts), not by `ws` before it: the
      // relay's scan accepts only ASCII, and only the frames it leaves to the general path need the check.
      skipUTF8Validation: true,
      handleProtocols: (protocols) => (protocols.has('bearer') ? 'bearer' : false),
    },
  });

  await app.register(swagger, openApiOptions(signalingTagDescription()));
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  await app.register(
    async (api) => {
      await api.register(authRoutes);
      await api.register(accountRoutes);
      await api.register(userRoutes);
      await api.register(blockRoutes);
      await api.register(callRoutes);
      await api.register(rtcRoutes);
    },
    { prefix: '/api/v1' },
  );
  await app.register(signalingRoutes);
  await app.register(asyncApiRoutes);
  await app.register(healthRoutes);

  if (config.webDistDir !== null) {
    await app.register(fastifyStatic, {
      root: config.webDistDir,
      wildcard: false,
      index: ['index.html'],
      // Hashed assets can be cached forever; index.html must not be, so a deploy reaches everyone.
      setHeaders: (res, path) =>
        res.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'),
    });
  }
  app.setNotFoundHandler((request, reply) => {
    const isPage = request.method === 'GET' && !request.url.startsWith('/api/') && config.webDistDir !== null;
    if (isPage) return reply.header('cache-control', 'no-cache').sendFile('index.html');
    throw new AppError('NOT_FOUND', 'Not found');
  });

  // One process: calls left open by the previous run end now. A cluster node touches no other node's calls: it
  // takes in the live calls as they are.
  if (cluster === null) await calls.recoverAfterRestart();
  else await cluster.start(calls);
  hub.startHeartbeat(config.wsPingIntervalMs);
  return app;
}
