import { CLOSE_CODES, ErrorBody, LIMITS } from '@parley/protocol';
import { connect, rawExchange } from '@parley/testkit';
import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { clientErrorFor } from '../../src/http/client-error.js';
import { sleep } from '../helpers/calls.js';
import { createUser } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';

const statusLines = (text: string) => text.match(/HTTP\/1\.1 \d{3}/g) ?? [];

/** The status line and the parsed body of the one answer in `reply`. */
function answer(reply: string): { status: number; contentType: string | undefined; body: unknown } {
  const [head = '', body = ''] = reply.split('\r\n\r\n');
  return {
    status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1]),
    contentType: /\r\ncontent-type: ([^\r]+)/i.exec(head)?.[1],
    body: JSON.parse(body),
  };
}

describe('bytes the HTTP parser cannot read', () => {
  it('are answered with the one error body: a broken request line is a 400 VALIDATION_FAILED', async () => {
    const server = await startServer();
    const reply = await rawExchange(server.baseUrl, 'NOT HTTP AT ALL\r\n\r\n');
    expect(statusLines(reply)).toEqual(['HTTP/1.1 400']);
    const { status, contentType, body } = answer(reply);
    expect(status).toBe(400);
    expect(contentType).toMatch(/^application\/json/);
    expect(Value.Check(ErrorBody, body), JSON.stringify(body)).toBe(true);
    expect(body).toEqual({ error: { code: 'VALIDATION_FAILED', message: 'The request is not valid HTTP/1.1' } });
  });

  it('are answered with the one error body: headers over the size limit are a 431 HEADERS_TOO_LARGE', async () => {
    const server = await startServer();
    const reply = await rawExchange(server.baseUrl, `GET /api/v1/users HTTP/1.1\r\nHost: x\r\nX-Big: ${'h'.repeat(20_000)}\r\n\r\n`);
    expect(statusLines(reply)).toEqual(['HTTP/1.1 431']);
    const { body } = answer(reply);
    expect(Value.Check(ErrorBody, body), JSON.stringify(body)).toBe(true);
    expect(body).toEqual({ error: { code: 'HEADERS_TOO_LARGE', message: 'The request line and headers are too large' } });
  });

  it('map a request timeout to 408 REQUEST_TIMEOUT and anything else the parser refuses to 400', () => {
    expect(clientErrorFor('ERR_HTTP_REQUEST_TIMEOUT')).toMatchObject({ statusCode: 408, code: 'REQUEST_TIMEOUT' });
    expect(clientErrorFor('HPE_HEADER_OVERFLOW')).toMatchObject({ statusCode: 431, code: 'HEADERS_TOO_LARGE' });
    for (const code of ['HPE_INVALID_METHOD', 'HPE_INVALID_CONSTANT', 'HPE_UNEXPECTED_CONTENT_LENGTH', undefined]) {
      expect(clientErrorFor(code)).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    }
  });

  it('after an answered request (a body sent without framing) do not add a second, corrupting answer', async () => {
    const server = await startServer();
    for (const path of ['/api/v1/nope', '/api/v1/users/me']) {
      const reply = await rawExchange(server.baseUrl, `DELETE ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n${'x'.repeat(80)}`);
      expect(statusLines(reply), path).toHaveLength(1);
      expect(reply).toMatch(/^HTTP\/1\.1 (404|401) /);
      expect(reply).toMatch(/\r\n\r\n\{"error":\{"code":"(NOT_FOUND|UNAUTHORIZED)","message":"[^"]+"\}\}$/);
    }
  });
});

describe('an unknown API path', () => {
  it('is a 404 with the one error body', async () => {
    const server = await startServer();
    const response = await fetch(`${server.apiUrl}/no/such/thing`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'Not found' } });
  });
});

describe('WebSocket frames a client got wrong', () => {
  it('are logged at info as the client’s fault, without a stack, and still close the socket with 1007 / 1009', async () => {
    const server = await startServer();
    const alice = await createUser(server);
    const invalidUtf8 = await connect(server, alice);
    invalidUtf8.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect((await invalidUtf8.closed).code).toBe(CLOSE_CODES.INVALID_PAYLOAD);
    const tooBig = await connect(server, alice);
    tooBig.sendRaw('x'.repeat(LIMITS.maxFrameBytes + 1));
    expect((await tooBig.closed).code).toBe(CLOSE_CODES.MESSAGE_TOO_BIG);
    await sleep(100);

    const lines = server.logs.map((line) => JSON.parse(line) as { level: number; msg?: string; code?: string; err?: unknown });
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
    const faults = lines.filter((line) => line.msg === 'WebSocket closed: the client sent an invalid frame');
    expect(faults.map((line) => [line.level, line.code])).toEqual([
      [30, 'WS_ERR_INVALID_UTF8'],
      [30, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'],
    ]);
    expect(server.logs.join('')).not.toContain('"stack"');
  });
});
