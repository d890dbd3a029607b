#!/usr/bin/env node
import { LIMITS } from '@parley/protocol';
import { parseArgs } from 'node:util';
import { PasswordHasher } from './auth/passwords.js';
import { cliPasswordFromEnv, ConfigError, loadConfig } from './config.js';
import { openStore } from './store/index.js';

const DEMO_USERS = ['alice', 'bob', 'carol'] as const;
const DEMO_PASSWORD = 'parley-demo-pass';

const USAGE = `Parley operator CLI (works on the database in DATABASE_URL, else DATABASE_PATH)

  parley migrate                     apply pending database migrations
  parley create-user <username>      create a user; password from PARLEY_PASSWORD or stdin
  parley delete-user <username>      delete a user and their call history
  parley list-calls [--active]       list calls, newest first (only ringing/active with --active)
  parley end-call <callId>           end a ringing or active call (reason: hangup)
  parley seed-demo                   create the demo users alice, bob and carol (password: ${DEMO_PASSWORD});
                                     refused when NODE_ENV=production

A running server learns of an ended call at its next event for it; end calls from the CLI when the
server is stopped or to clean up after a crash.`;

async function readPassword(): Promise<string> {
  const fromEnv = cliPasswordFromEnv();
  if (fromEnv) return fromEnv;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { active: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  const [command, arg] = positionals;
  if (values.help || command === undefined) {
    console.log(USAGE);
    return;
  }
  const config = loadConfig();
  const store = await openStore(config.database);
  const { users, calls } = store;
  const where = config.database.kind === 'sqlite' ? config.database.path : 'the PostgreSQL database';
  try {
    switch (command) {
      case 'migrate':
        console.log(`database ${where} is migrated`);
        return;
      case 'create-user': {
        if (!arg) fail('usage: parley create-user <username>');
        if (!/^[A-Za-z0-9_.-]{3,32}$/.test(arg)) fail('username must be 3–32 of A–Z a–z 0–9 _ . -');
        const password = await readPassword();
        if (password.length < LIMITS.passwordMinLength || password.length > LIMITS.passwordMaxLength) {
          fail(`password must be ${LIMITS.passwordMinLength}–${LIMITS.passwordMaxLength} characters`);
        }
        const result = await users.create(arg, await new PasswordHasher(config.argon2).hash(password), Date.now());
        if (!result.ok) fail(`username ${arg} is taken`);
        console.log(JSON.stringify(result.user));
        return;
      }
      case 'delete-user': {
        const user = arg ? await users.findByUsername(arg) : undefined;
        if (!user) fail(`no user ${arg ?? ''}`);
        await users.delete(user.id);
        console.log(`deleted ${user.username} (${user.id})`);
        return;
      }
      case 'list-calls': {
        const rows = values.active ? await calls.listLive() : await calls.listRecent(100);
        for (const c of rows) {
          console.log([c.id, c.status, c.endReason ?? '-', c.callerId, c.calleeId, new Date(c.createdAt).toISOString()].join('\t'));
        }
        if (rows.length === 0) console.log(values.active ? 'no active calls' : 'no calls');
        return;
      }
      case 'end-call': {
        const call = arg ? await calls.findById(arg) : undefined;
        if (!call) fail(`no call ${arg ?? ''}`);
        if (call.status === 'ended') {
          console.log(`call ${call.id} already ended (${call.endReason})`);
          return;
        }
        await calls.end(call.id, [call.status], call.status === 'created' ? 'cancelled' : 'hangup', Date.now());
        console.log(`ended call ${call.id}`);
        return;
      }
      case 'seed-demo': {
        if (config.nodeEnv === 'production') fail('seed-demo is refused when NODE_ENV=production: demo passwords are public');
        const hasher = new PasswordHasher(config.argon2);
        for (const username of DEMO_USERS) {
          const result = await users.create(username, await hasher.hash(DEMO_PASSWORD), Date.now());
          console.log(result.ok ? `created ${username} / ${DEMO_PASSWORD}` : `${username} already exists`);
        }
        return;
      }
      default:
        fail(`unknown command ${command}\n\n${USAGE}`);
    }
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `Parley: ${error.message}` : error);
  process.exit(1);
});
