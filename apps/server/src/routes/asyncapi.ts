import { ClientMessage, ServerMessage } from '@parley/protocol';
import type { FastifyPluginAsync } from 'fastify';

type MessageSchema = (typeof ClientMessage.anyOf)[number] | (typeof ServerMessage.anyOf)[number];

/** Strips TypeBox's `~kind` markers so the schemas are plain JSON Schema. */
function plain(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema, (key, value: unknown) => (key.startsWith('~') ? undefined : value)));
}

function messages(union: readonly MessageSchema[]) {
  return Object.fromEntries(union.map((m) => [m.properties.type.const, { name: m.properties.type.const, payload: plain(m) }]));
}

/**
 * The WebSocket protocol as an AsyncAPI 3 document, generated from the protocol package's message unions so it
 * cannot drift from what the server validates.
 */
export function asyncApiDocument() {
  const clientMessages = messages(ClientMessage.anyOf);
  const serverMessages = messages(ServerMessage.anyOf);
  const refs = (names: string[]) => names.map((n) => ({ $ref: `#/channels/signaling/messages/${n}` }));
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Parley signaling',
      version: '1.0.0',
      description:
        'JSON frames `{ type, payload }` over the WebSocket at `/api/v1/ws` (also `/ws`). Authenticate with the subprotocol pair `["bearer", <jwt>]`, an `Authorization: Bearer` header or `?token=`. The server relays `webrtc:*` payloads verbatim between the two participants of an active call.',
    },
    channels: {
      signaling: {
        address: '/api/v1/ws',
        messages: { ...clientMessages, ...serverMessages },
      },
    },
    operations: {
      send: { action: 'receive', channel: { $ref: '#/channels/signaling' }, summary: 'Client → server', messages: refs(Object.keys(clientMessages)) },
      receive: { action: 'send', channel: { $ref: '#/channels/signaling' }, summary: 'Server → client', messages: refs(Object.keys(serverMessages)) },
    },
  };
}

/** Markdown list of the events, for the OpenAPI `signaling` tag. */
export function signalingTagDescription(): string {
  const line = (m: MessageSchema) => `- \`${m.properties.type.const}\` — payload keys: ${Object.keys(m.properties.payload.properties).join(', ')}`;
  return [
    'WebSocket `/api/v1/ws`; full schemas in the AsyncAPI document at `/docs/asyncapi.json`.',
    '',
    '**Client → server**',
    ...ClientMessage.anyOf.map(line),
    '',
    '**Server → client**',
    ...ServerMessage.anyOf.map(line),
  ].join('\n');
}

export const asyncApiRoutes: FastifyPluginAsync = async (app) => {
  const document = asyncApiDocument();
  app.get('/docs/asyncapi.json', { schema: { hide: true } }, async () => document);
};
