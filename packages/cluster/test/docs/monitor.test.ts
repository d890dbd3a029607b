import { startRedis } from '@parley/services';
import { encodeBatch, encodeEntry } from '@parley/server/cluster/bus-wire';
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { monitorRedis, type BackendEvent } from './recorder.js';

/** The two-node diagram reads Redis's traffic from MONITOR: every argument must come back exactly as it was sent. */
it('MONITOR lines are read back into the bytes a client sent (a bus message: tabs, quotes, backslashes, UTF-8)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-monitor-'));
  const redis = await startRedis({ dir });
  const socket = connect(redis.port, '127.0.0.1');
  const client = new Redis(redis.url);
  try {
    const events: BackendEvent[] = [];
    await monitorRedis(socket, (event) => events.push(event));
    const frame = Buffer.from(`{"type":"webrtc:offer","payload":{"sdp":"v=0\\r\\n\\"x\\" \\\\ \r\n\t…é"}}`);
    const message = encodeBatch(7, 'node', [...encodeEntry({ kind: 'deliver', conn: 'conn', frame }), ...encodeEntry({ kind: 'presence', user: 'u', online: true })]);
    await client.publish('parley:node:x', message);
    // The client's own connection check (INFO) comes first.
    const published = () => events.find((e) => e.kind === 'redis' && e.args[0]?.toString() === 'publish');
    await expect.poll(published).toBeDefined();
    const event = published()!;
    expect(event.kind === 'redis' && event.args).toEqual([Buffer.from('publish'), Buffer.from('parley:node:x'), message]);
    expect(event.at).toBeGreaterThan(BigInt(Date.now() - 60_000) * 1000n);
  } finally {
    client.disconnect();
    socket.destroy();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
