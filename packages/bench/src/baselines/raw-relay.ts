/**
 * The relay baseline: a bare `ws` server that forwards every frame to the other socket of its pair, found by the
 * `?pair=<id>&side=a|b` query. No auth, no validation, no call state: the floor Parley's relay is compared to.
 * Sockets without a pair just stay open (the connections figure's baseline).
 */
import { WebSocketServer, type WebSocket } from 'ws';

const port = Number(process.argv[2]);
const pairs = new Map<string, { a?: WebSocket; b?: WebSocket }>();
const wss = new WebSocketServer({ host: '127.0.0.1', port, maxPayload: 64 * 1024 });

wss.on('connection', (socket, request) => {
  const query = new URL(request.url ?? '/', 'http://x').searchParams;
  const pairId = query.get('pair');
  const side = query.get('side') === 'b' ? 'b' : 'a';
  if (pairId === null) return;
  let pair = pairs.get(pairId);
  if (!pair) pairs.set(pairId, (pair = {}));
  pair[side] = socket;
  const other = side === 'a' ? 'b' : 'a';
  socket.on('message', (data, isBinary) => pair[other]?.send(data, { binary: isBinary }));
  socket.on('close', () => {
    delete pair[side];
    if (!pair.a && !pair.b) pairs.delete(pairId);
  });
});

wss.on('listening', () => console.log(`raw relay listening on ${port}`));
process.on('SIGTERM', () => {
  for (const socket of wss.clients) socket.terminate();
  wss.close(() => process.exit(0));
});
