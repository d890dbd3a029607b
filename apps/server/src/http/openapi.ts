import { ChangePasswordBody, CreateCallBody, DeleteAccountBody, LoginBody, REST_ANSWERS, RegisterBody } from '@parley/protocol';
import type { SwaggerOptions } from '@fastify/swagger';
import type { TSchema } from 'typebox';

/**
 * The OpenAPI document at /docs/json, shaped for the tools that read it (linters, client generators): the
 * protocol's named REST types as `components.schemas` referenced by `$ref`, a description for every answer, the
 * security of every operation (public ones say so with `security: []`), a server and described tags.
 *
 * Routes keep naming the protocol's schema objects as they always did; `transform` marks each use of a named one,
 * and `transformObject` moves the marked copies into `components.schemas`, so what a component says is exactly what
 * `@fastify/swagger` made of that schema.
 */

/** The protocol's REST types that appear by name. */
const NAMED: Readonly<Record<string, TSchema>> = { ...REST_ANSWERS, RegisterBody, LoginBody, CreateCallBody, ChangePasswordBody, DeleteAccountBody };
const byObject = new Map<unknown, string>(Object.entries(NAMED).map(([name, schema]) => [schema, name]));
const MARK = 'x-parley-component';

/** What each answer status means, for every operation that has it. */
const STATUS_TEXT: Readonly<Record<string, string>> = {
  200: 'OK',
  201: 'Created',
  400: 'The request is malformed: `VALIDATION_FAILED` or `INVALID_JSON`, with the field at fault',
  401: 'No valid access token (`UNAUTHORIZED`), or wrong credentials (`INVALID_CREDENTIALS`)',
  403: 'Not yours: `NOT_A_PARTICIPANT` or `FORBIDDEN`',
  404: 'No such resource: `USER_NOT_FOUND` or `CALL_NOT_FOUND`',
  409: 'In the way of another state: `USERNAME_TAKEN`, `CALLER_BUSY` (naming your blocking call) or `CALLEE_BUSY`',
  429: 'Rate limited (`RATE_LIMITED`); `retry-after` says when to try again',
  503: 'Not ready: the database or the cluster bus cannot be reached',
};

const TAGS = [
  { name: 'auth', description: 'Accounts and access tokens' },
  { name: 'users', description: 'Who you are and who you can call' },
  { name: 'calls', description: 'Placing, ending and listing calls; everything after placing runs over the WebSocket' },
  { name: 'rtc', description: 'ICE servers for `RTCPeerConnection`' },
  { name: 'operations', description: 'Health, readiness and Prometheus metrics for operators' },
];

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A route schema with each named protocol type marked (its body and its answers). */
function markNamed(schema: Json): Json {
  const mark = (s: unknown): unknown => {
    const name = byObject.get(s);
    return name === undefined || !isObject(s) ? s : { ...s, [MARK]: name };
  };
  const response = isObject(schema['response'])
    ? Object.fromEntries(Object.entries(schema['response']).map(([status, s]) => [status, mark(s)]))
    : schema['response'];
  return { ...schema, ...(schema['body'] === undefined ? {} : { body: mark(schema['body']) }), ...(response === undefined ? {} : { response }) };
}

/** Moves every marked schema into `components.schemas` and refers to it there. */
function extractComponents(node: unknown, components: Json): unknown {
  if (Array.isArray(node)) return node.map((n) => extractComponents(n, components));
  if (!isObject(node)) return node;
  const name = node[MARK];
  if (typeof name === 'string') {
    const { [MARK]: _mark, ...schema } = node;
    components[name] = extractComponents(schema, components);
    return { $ref: `#/components/schemas/${name}` };
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, extractComponents(v, components)]));
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Every answer described, every operation's security stated. */
function completeOperations(paths: Json): void {
  for (const item of Object.values(paths)) {
    if (!isObject(item)) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      operation['security'] ??= [];
      const responses = operation['responses'];
      if (!isObject(responses)) continue;
      for (const [status, response] of Object.entries(responses)) {
        if (isObject(response) && (response['description'] === undefined || response['description'] === 'Default Response')) {
          response['description'] = STATUS_TEXT[status] ?? `HTTP ${status}`;
        }
      }
    }
  }
}

export function openApiOptions(signalingDescription: string): SwaggerOptions {
  return {
    openapi: {
      info: { title: 'Parley API', version: '1.0.0', description: 'REST API of Parley. Signaling runs over the WebSocket at /api/v1/ws (AsyncAPI: /docs/asyncapi.json).' },
      servers: [{ url: '/', description: 'This Parley server' }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The `accessToken` from `POST /api/v1/auth/login`' },
          metricsToken: { type: 'http', scheme: 'bearer', description: 'The operator’s `METRICS_TOKEN`' },
        },
      },
      tags: [...TAGS, { name: 'signaling', description: signalingDescription }],
    },
    transform: ({ schema, url }) => ({ schema: (isObject(schema) ? markNamed(schema) : schema) as typeof schema, url }),
    transformObject: (documents) => {
      if (!('openapiObject' in documents)) return documents.swaggerObject;
      const document = documents.openapiObject as Json;
      const schemas: Json = {};
      const paths = extractComponents(document['paths'] ?? {}, schemas) as Json;
      completeOperations(paths);
      const components = isObject(document['components']) ? document['components'] : {};
      return { ...document, paths, components: { ...components, schemas: { ...(isObject(components['schemas']) ? components['schemas'] : {}), ...schemas } } } as typeof documents.openapiObject;
    },
  };
}
