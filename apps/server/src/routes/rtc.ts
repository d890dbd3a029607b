import { ErrorBody, RtcConfig, type IceServer } from '@parley/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createHmac } from 'node:crypto';
import type { Config } from '../config.js';
import { perUserPerMinute } from '../http/per-user-limit.js';

/**
 * ICE servers for a user. With a TURN secret, credentials follow the TURN REST API convention that coturn's
 * `use-auth-secret` checks: username `<expiry-unix>:<userId>`, credential base64(HMAC-SHA1(secret, username)).
 */
export function iceServersFor(ice: Config['ice'], userId: string, now = Date.now()): RtcConfig {
  const expiresAtSeconds = Math.floor(now / 1000) + ice.turnTtlSeconds;
  const iceServers: IceServer[] = [];
  if (ice.stunUrls.length > 0) iceServers.push({ urls: ice.stunUrls });
  if (ice.turnUrls.length > 0) {
    if (ice.turnSecret) {
      const username = `${expiresAtSeconds}:${userId}`;
      const credential = createHmac('sha1', ice.turnSecret).update(username).digest('base64');
      iceServers.push({ urls: ice.turnUrls, username, credential });
    } else {
      iceServers.push({ urls: ice.turnUrls });
    }
  }
  return { iceServers, iceTransportPolicy: ice.transportPolicy, expiresAt: new Date(expiresAtSeconds * 1000).toISOString() };
}

export const rtcRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app.parley;
  app.get(
    '/rtc/config',
    {
      onRequest: app.authenticate,
      config: perUserPerMinute('rtc', config.rateLimits.apiPerMinutePerUser),
      schema: {
        tags: ['rtc'],
        operationId: 'getRtcConfig',
        summary: 'STUN/TURN servers for RTCPeerConnection, with time-limited TURN credentials',
        security: [{ bearerAuth: [] }],
        response: { 200: RtcConfig, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return iceServersFor(config.ice, request.user.id);
    },
  );
};
