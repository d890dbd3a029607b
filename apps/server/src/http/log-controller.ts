import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** Where the API, the signaling socket, its documentation and the operations routes live; the rest is the SPA. */
const SERVER_PATHS = /^\/(?:api\/|ws(?:[?/]|$)|docs|healthz|readyz|metrics)/;

const isPageOrAsset = (request: FastifyRequest): boolean => !SERVER_PATHS.test(request.url);

/**
 * Fastify's per-request log lines ("incoming request", "request completed"), with the SPA's pages and assets at
 * debug instead of info: one page load fetches a dozen files, which buried the API's lines at `LOG_LEVEL=info`.
 * A failed request is logged as Fastify logs it, whatever it asked for.
 */
export class QuietAssetsLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (!isPageOrAsset(request)) return super.incomingRequest(request, reply);
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error || !isPageOrAsset(request)) return super.requestCompleted(error, request, reply);
    if (!this.isLogDisabled(request)) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
