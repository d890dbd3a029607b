import {
  CallDto,
  CallHistory,
  CallHistoryQuery,
  CallIdParams,
  CreateCallBody,
  CreateCallResponse,
  EndCallResponse,
  ErrorBody,
  LIMITS,
  UUID_PATTERN,
} from '@parley/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../http/errors.js';
import { perUserPerMinute } from '../http/per-user-limit.js';

const UUID = new RegExp(UUID_PATTERN);

/** A malformed id cannot name a call: 404, like an unknown one. */
function callIdFrom(params: { id: string }): string {
  if (!UUID.test(params.id)) throw new AppError('CALL_NOT_FOUND', 'Call not found');
  return params.id;
}

export const callRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { calls, config } = app.parley;
  const security = [{ bearerAuth: [] }];

  app.post(
    '/calls',
    {
      onRequest: app.authenticate,
      config: perUserPerMinute('calls', config.rateLimits.callsPerMinutePerUser),
      schema: {
        tags: ['calls'],
        operationId: 'createCall',
        summary: 'Ring another user',
        description:
          'Rings every open connection of the callee with `call:incoming`. `ringing` says whether one was open; if none was, the caller gets `call:ringing` when one connects while the call still rings.',
        security,
        body: CreateCallBody,
        response: { 201: CreateCallResponse, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const { call, callee, ringExpiresAt, ringing } = await calls.create(request.user.id, request.body.calleeId, request.body.connectionId, request.body.media);
      return reply.code(201).send({ callId: call.id, status: 'created', callee, ringExpiresAt, ringing });
    },
  );

  app.get(
    '/calls',
    {
      onRequest: app.authenticate,
      config: perUserPerMinute('history', config.rateLimits.apiPerMinutePerUser),
      schema: {
        tags: ['calls'],
        operationId: 'listCalls',
        summary: 'Your call history, newest first',
        security,
        querystring: CallHistoryQuery,
        response: { 200: CallHistory, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request) => {
      const { limit = LIMITS.historyDefaultLimit, before } = request.query;
      return calls.history(request.user.id, limit, before === undefined ? undefined : Date.parse(before));
    },
  );

  app.get(
    '/calls/:id',
    {
      onRequest: app.authenticate,
      config: perUserPerMinute('call', config.rateLimits.apiPerMinutePerUser),
      schema: {
        tags: ['calls'],
        operationId: 'getCall',
        summary: 'A call you take part in',
        security,
        params: CallIdParams,
        response: { 200: CallDto, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody },
      },
    },
    async (request) => calls.get(request.user.id, callIdFrom(request.params)),
  );

  app.post(
    '/calls/:id/end',
    {
      onRequest: app.authenticate,
      config: perUserPerMinute('end', config.rateLimits.apiPerMinutePerUser),
      schema: {
        tags: ['calls'],
        operationId: 'endCall',
        summary: 'End a call: cancel or decline while it rings, hang up when active; idempotent',
        security,
        params: CallIdParams,
        response: { 200: EndCallResponse, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody },
      },
    },
    async (request) => ({ status: 'ended' as const, endReason: await calls.end(request.user.id, callIdFrom(request.params)) }),
  );
};
