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
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LoginThrottle } from './auth/login-throttle.js';
import { PasswordHasher } from './auth/passwords.js';
import { authPlugin } from './auth/plugin.js';
import { CallRepository } from './calls/repository.js';
import { CallService } from './calls/service.js';
import type { Config } from './config.js';
import { migrationsFolder, openDatabase, type DbHandle } from './db/client.js';
import { clientErrorHandler } from './http/client-error.js';
import { installErrorHandling } from './http/error-handler.js';
import { AppError } from './http/errors.js';
import { loggerOptions } from './http/logger.js';
import { QuietAssetsLogController } from './http/log-controller.js';
import { lazyRequestLogger } from './http/request-logger.js';
import { securityHeadersFor } from './http/security-headers.js';
import { ensureSelfSignedCertificate, readTls } from './http/tls.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { asyncApiRoutes, signalingTagDescription } from './routes/asyncapi.js';
import { authRoutes } from './routes/auth.js';
import { callRoutes } from './routes/calls.js';
import { healthRoutes } from './routes/health.js';
import { rtcRoutes } from './routes/rtc.js';
import { userRoutes } from './routes/users.js';
import { SignalingHub } from './signaling/hub.js';
import { signalingRoutes } from './signaling/route.js';
import { UserRepository } from './users/repository.js';

export interface AppServices {
  config: Config;
  database: DbHandle;
  users: UserRepository;
  calls: CallService;
  hub: SignalingHub;
  hasher: PasswordHasher;
  loginThrottle: LoginThrottle;
  metrics: Metrics;
}

declare module 'fastify' {
  interface FastifyInstance {
    parley: AppServices;
  }
}

export interface BuildOptions {
  /** Where log lines go instead of stdout (tests capture them to check what is logged). */
  logStream?: NodeJS.WritableStream;
}

const expectedMigrations = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')).entries.length as number;

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
    ...(config.tls ? { https: readTls(config.tls) } : {}),
  });
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  installErrorHandling(app);
  if (config.jwtSecretFile?.created) {
    app.log.info({ path: config.jwtSecretFile.path }, 'JWT_SECRET is unset: generated a secret into the data folder (kept for later starts)');
  }

  const database = openDatabase(config.databasePath);
  const metrics = createMetrics();
  const users = new UserRepository(database.db);
  const hub = new SignalingHub(
    { maxConnectionsPerUser: config.rateLimits.wsMaxConnectionsPerUser, maxBufferedBytes: config.wsMaxBufferedBytes },
    metrics,
  );
  const calls = new CallService(
    new CallRepository(database.db),
    users,
    hub,
    { ringTimeoutMs: config.callRingTimeoutMs, reconnectGraceMs: config.callReconnectGraceMs },
    app.log,
    metrics,
  );
  const hasher = new PasswordHasher(config.argon2);
  const loginThrottle = new LoginThrottle(config.rateLimits.loginFailuresPerUsername, config.rateLimits.loginFailureWindowMs);
  app.decorate('parley', { config, database, users, calls, hub, hasher, loginThrottle, metrics });

  app.addHook('preClose', async () => {
    hub.closeAll(CLOSE_CODES.GOING_AWAY, 'Server shutting down');
    calls.shutdown();
  });
  app.addHook('onClose', async () => database.close());

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
    errorResponseBuilder: () => new AppError('RATE_LIMITED', 'Too many requests; try again later'),
  });
  await app.register(authPlugin, { secret: config.jwtSecret, expiresInSeconds: config.jwtExpiresInSeconds, users });
  await app.register(websocket, {
    options: {
      maxPayload: LIMITS.maxFrameBytes,
      handleProtocols: (protocols) => (protocols.has('bearer') ? 'bearer' : false),
    },
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Parley API', version: '1.0.0', description: 'REST API of Parley. Signaling runs over the WebSocket at /api/v1/ws.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      tags: [
        { name: 'auth' },
        { name: 'users' },
        { name: 'calls' },
        { name: 'rtc' },
        { name: 'signaling', description: signalingTagDescription() },
        { name: 'operations' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  await app.register(
    async (api) => {
      await api.register(authRoutes);
      await api.register(userRoutes);
      await api.register(callRoutes);
      await api.register(rtcRoutes);
    },
    { prefix: '/api/v1' },
  );
  await app.register(signalingRoutes);
  await app.register(asyncApiRoutes);
  await app.register(healthRoutes, { expectedMigrations });

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

  calls.recoverAfterRestart();
  hub.startHeartbeat(config.wsPingIntervalMs);
  return app;
}
