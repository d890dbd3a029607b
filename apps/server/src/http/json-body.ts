import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.js';

/**
 * JSON bodies as Fastify reads them (its own parser: `secure-json-parse` refusing `__proto__` and `constructor`
 * keys, the body limit, the empty-body error), except that the bytes must be valid UTF-8. Fastify decodes
 * leniently, turning every invalid byte into U+FFFD, so `pass\xff\xfeword` and `pass\ufffd\ufffdword` were the
 * same password; here such a body is refused with 400 before anything reads it.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    let text: string;
    try {
      text = decoder.decode(body);
    } catch {
      done(new AppError('VALIDATION_FAILED', 'The body is not valid UTF-8'), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
