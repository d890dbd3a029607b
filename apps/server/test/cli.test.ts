import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createUser, request } from './helpers/http.js';
import { startServer } from './helpers/server.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function cli(dataDir: string, args: string[], input = '') {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'test', DATABASE_PATH: join(dataDir, 'parley.db'), JWT_SECRET: 'x'.repeat(40) },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Each case spawns the CLI several times through tsx: seconds apiece on a busy 2-core machine.
describe('operator CLI', { timeout: 90_000 }, () => {
  it('migrates, creates a user who can log in, lists and ends calls', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
    dirs.push(dir);
    expect(cli(dir, ['migrate']).status).toBe(0);
    const created = cli(dir, ['create-user', 'operator'], 'correct-horse-battery\n');
    expect(created.status).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ username: 'operator' });
    expect(cli(dir, ['create-user', 'operator'], 'another-password').status).toBe(1);

    const server = await startServer({ JWT_SECRET: 'x'.repeat(40) }, dir);
    const login = await request(server, 'POST', '/auth/login', { body: { username: 'operator', password: 'correct-horse-battery' } });
    expect(login.status).toBe(200);
    const bob = await createUser(server);
    const call = await request(server, 'POST', '/calls', { token: login.body.accessToken, body: { calleeId: bob.id } });
    await server.close({ removeData: false });

    const active = cli(dir, ['list-calls', '--active']);
    expect(active.stdout).toContain(call.body.callId);
    expect(cli(dir, ['end-call', call.body.callId]).stdout).toContain('ended call');
    expect(cli(dir, ['list-calls', '--active']).stdout).toContain('no active calls');
    expect(cli(dir, ['list-calls']).stdout).toContain('cancelled');
    expect(cli(dir, ['delete-user', 'operator']).status).toBe(0);
    expect(cli(dir, ['end-call', 'nope']).status).toBe(1);
  });

  it('seeds demo users once, and refuses in production', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
    dirs.push(dir);
    expect(cli(dir, ['seed-demo']).stdout).toContain('created alice / parley-demo-pass');
    expect(cli(dir, ['seed-demo']).stdout).toContain('alice already exists');
    const server = await startServer({ JWT_SECRET: 'x'.repeat(40) }, dir);
    const login = await request(server, 'POST', '/auth/login', { body: { username: 'bob', password: 'parley-demo-pass' } });
    expect(login.status).toBe(200);
    await server.close({ removeData: false });
    const refused = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'seed-demo'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_ENV: 'production', DATABASE_PATH: join(dir, 'prod.db'), JWT_SECRET: 'x'.repeat(40) },
    });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('refused');
  });
});
