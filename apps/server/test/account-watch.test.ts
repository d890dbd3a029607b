import { CLOSE_CODES } from '@parley/protocol';
import { connect } from '@parley/testkit';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ACCOUNT_CHECK_MS } from '../src/signaling/account-watch.js';
import { createUser, request } from './helpers/http.js';
import { startServer } from './helpers/server.js';

describe('sessions of a deleted account', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('the operator CLI deleting a user (another process) closes their open sockets with 4001; nobody else is touched', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-accounts-'));
    dirs.push(dir);
    const secret = 'x'.repeat(40);
    const server = await startServer({ JWT_SECRET: secret }, dir);
    const [ghost, other] = await Promise.all([createUser(server), createUser(server)]);
    const ghostTabs = await Promise.all([connect(server, ghost), connect(server, ghost, 'query')]);
    const otherWs = await connect(server, other);
    await otherWs.next('presence', (m) => m.payload.online.includes(ghost.id));

    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'delete-user', ghost.username], {
      encoding: 'utf8',
      env: { ...process.env, NODE_ENV: 'test', DATABASE_PATH: server.config.databasePath, JWT_SECRET: secret },
    });
    expect(cli.status, cli.stderr).toBe(0);
    const deletedAt = Date.now();
    // A request right away: its user lookup notices the foreign commit first, which must not hide it from the watch.
    expect((await request(server, 'GET', '/users/me', { token: other.token })).status).toBe(200);

    const stillOpen = new Promise((resolve) => setTimeout(() => resolve('still open'), ACCOUNT_CHECK_MS + 5000));
    for (const tab of ghostTabs) expect(await Promise.race([tab.closed, stillOpen])).toEqual({ code: CLOSE_CODES.TOKEN_EXPIRED, reason: 'Account deleted' });
    // One check interval plus slack for a busy test machine.
    expect(Date.now() - deletedAt).toBeLessThanOrEqual(ACCOUNT_CHECK_MS + 1000);
    await otherWs.next('presence', (m) => m.payload.offline.includes(ghost.id));
    expect(otherWs.socket.readyState).toBe(WebSocket.OPEN);
    // And the deleted user cannot come back.
    await expect(connect(server, ghost)).rejects.toThrow('upgrade refused: 401');
  });

  it('another process committing something else (a new user) closes nobody', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-accounts-'));
    dirs.push(dir);
    const secret = 'y'.repeat(40);
    const server = await startServer({ JWT_SECRET: secret }, dir);
    const user = await createUser(server);
    const ws = await connect(server, user);
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'create-user', 'someone_else'], {
      encoding: 'utf8',
      input: 'a-long-enough-password\n',
      env: { ...process.env, NODE_ENV: 'test', DATABASE_PATH: server.config.databasePath, JWT_SECRET: secret },
    });
    expect(cli.status, cli.stderr).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, ACCOUNT_CHECK_MS * 2 + 200));
    expect(ws.socket.readyState).toBe(WebSocket.OPEN);
  });
});
