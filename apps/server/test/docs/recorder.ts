import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Actor, callRowChanges, SequenceRecorder, type CallRowState, type Endpoint } from '../../src/docs/sequence.js';
import { startServer, type TestServer } from '../helpers/server.js';

export type { Actor } from '../../src/docs/sequence.js';

/**
 * The one-process recorder (see src/docs/sequence.ts for how steps are recorded): a real listening server, and
 * every change of the `calls` and `users` tables read from its SQLite file after each step.
 */
export class Recorder extends SequenceRecorder {
  protected readonly backendNote = 'S';
  private readonly db: Database.Database;
  private tables: TableState;

  private constructor(
    readonly server: TestServer,
    options: { presence: boolean },
  ) {
    super(options);
    this.db = new Database(join(server.dataDir, 'parley.db'), { readonly: true, fileMustExist: true });
    this.tables = this.readTables();
  }

  /** A fresh server (`env`: short ring and grace times); `presence` records presence frames too. */
  static async start(env: Record<string, string> = {}, options: { presence?: boolean } = {}): Promise<Recorder> {
    const server = await startServer({ PRESENCE_BATCH_MS: '50', ...env });
    return new Recorder(server, { presence: options.presence ?? false });
  }

  /** An actor in the diagram; `online`: registered, logged in and connected before the recording starts. */
  async actor(username: string, label: string, options: { online?: boolean } = {}): Promise<Actor> {
    const actor = new Actor(this, username, label, this.nextActorId());
    this.addActor(actor);
    if (options.online) await actor.setUp();
    return actor;
  }

  endpointOf(): Endpoint {
    return this.server;
  }

  serverOf(): string {
    return 'S';
  }

  protected participants(): string[] {
    const actors = this.actors.map((a) => `participant ${a.id} as ${a.label}`);
    return [...actors.slice(0, 1), 'participant S as Server', 'participant D as SQLite', ...actors.slice(1)];
  }

  protected backendLines(): string[] {
    const tables = this.readTables();
    const changes = diffTables(this.tables, tables, (id) => this.show(id)).map((change) => `S->>D: ${change}`);
    this.tables = tables;
    return changes;
  }

  async stop(): Promise<void> {
    for (const actor of this.actors) actor.kill();
    this.db.close();
    await this.server.close();
  }

  private readTables(): TableState {
    const calls = this.db.prepare('SELECT id, status, end_reason AS endReason, caller_away_until AS callerAway, callee_away_until AS calleeAway, caller_id AS callerId, callee_id AS calleeId FROM calls').all() as CallRow[];
    const users = (this.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
    return { calls: new Map(calls.map((c) => [c.id, c])), users };
  }
}

interface CallRow extends CallRowState {
  id: string;
}

interface TableState {
  calls: Map<string, CallRow>;
  users: number;
}

/** What changed in the tables, in words. */
function diffTables(before: TableState, after: TableState, show: (id: string) => string): string[] {
  const changes: string[] = [];
  if (after.users > before.users) changes.push(`INSERT users (${after.users - before.users})`);
  for (const [id, row] of after.calls) {
    const was = before.calls.get(id);
    if (was === undefined) changes.push(`INSERT calls ${show(id)} (${row.status}) + call_members`);
    else changes.push(...callRowChanges(was, row, show));
  }
  return changes;
}
