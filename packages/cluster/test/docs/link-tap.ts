import { decodeEntries, type BusMessage } from '@parley/server/cluster/bus-wire';
import { createServer, connect, type Socket } from 'node:net';

/** What went over a direct link between two nodes: the sender's and receiver's node names and the bus messages. */
export interface LinkEvent {
  at: bigint;
  kind: 'link';
  from: string;
  to: string;
  messages: BusMessage[];
}

export interface LinkTap {
  port: number;
  close(): Promise<void>;
}

/** Now, in µs since the epoch (the clock Redis's MONITOR and PostgreSQL's `clock_timestamp()` use). */
const nowMicros = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));

/**
 * A TCP proxy in front of one node's link port (apps/server/src/cluster/node-link.ts): the node tells the others
 * the tap's port (`NODE_LINK_ADVERTISE`), every link to it passes through, byte for byte, and the tap reports the
 * bus messages it sees. It reads the sender's answer to the greeting (`<from> <to> <hmac>`) for who talks to whom,
 * then the length-prefixed frames.
 */
export async function startLinkTap(target: number, report: (event: LinkEvent) => void): Promise<LinkTap> {
  const sockets = new Set<Socket>();
  const server = createServer((sender) => {
    const receiver = connect(target, '127.0.0.1');
    for (const socket of [sender, receiver]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        sender.destroy();
        receiver.destroy();
      });
    }
    receiver.pipe(sender);
    let buffer = Buffer.alloc(0);
    let names: { from: string; to: string } | null = null;
    sender.on('data', (chunk: Buffer) => {
      receiver.write(chunk);
      buffer = Buffer.concat([buffer, chunk]);
      if (names === null) {
        const end = buffer.indexOf(0x0a);
        if (end < 0) return;
        const [from = '?', to = '?'] = buffer.toString('latin1', 0, end).split(' ');
        names = { from, to };
        buffer = buffer.subarray(end + 1);
      }
      while (buffer.length >= 4 && buffer.length >= buffer.readUInt32BE(0) + 4) {
        const frame = buffer.subarray(4, buffer.readUInt32BE(0) + 4);
        buffer = buffer.subarray(frame.length + 4);
        const messages = frame[0] === 0x42 ? decodeEntries(frame, 1) : undefined; // B: bus messages
        if (messages !== undefined) report({ at: nowMicros(), kind: 'link', ...names, messages });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('link tap: no port');
  return {
    port: address.port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
