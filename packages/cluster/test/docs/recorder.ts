import { decodeBatch, type BusMessage } from '@parley/server/cluster/bus-wire';
import { Actor, callRowChanges, SequenceRecorder, type CallRowState, type Endpoint, type Json } from '@parley/server/docs';
import { Redis } from 'ioredis';
import { connect, type Socket } from 'node:net';
import { freePort } from '@parley/services';
import pg from 'pg';
import { startCluster, type ScratchCluster } from '../../src/scratch.js';
import { endpointOf } from '../helpers/clients.js';
import { startLinkTap, type LinkEvent, type LinkTap } from './link-tap.js';

/**
 * The recorder of src/docs/sequence.ts (in @parley/server) against a real cluster of two nodes of the production
 * build, with PostgreSQL and Redis of their own. Actors talk REST and WebSocket to the node they were given; what the
 * backend does is read from the services themselves, never from the nodes' code:
 *
 * - Redis: a `MONITOR` connection sees every command each client sends, in the order Redis ran them, with Redis's
 *   clock. Each node's two connections carry its name (`parley-pub-<node>`, `parley-sub-<node>`), so `CLIENT LIST`
 *   tells which node sent what. Commands a Lua script runs are shown by the script's `EVAL`.
 * - The direct links between nodes: each node tells the others the port of a tap in front of its own link port
 *   (`NODE_LINK_ADVERTISE`, link-tap.ts), which passes every byte on and reports the bus messages it sees.
 * - PostgreSQL: a row trigger on every table but `nodes` (whose heartbeat rows would fill the picture) sends each
 *   changed row with `pg_notify`, the writer's `application_name` (every node connects as `parley-node-N`) and
 *   `clock_timestamp()`. Notifications arrive when the transaction commits, so rolled-back writes never show.
 *
 * Within a step, link messages, Redis commands and database writes are merged in the order they happened (both clocks are this
 * machine's); then come the HTTP answer and the frames each browser received, as in the one-process recorder.
 */

const CHANNEL = 'parley_recorder';
/** How far apart (µs) a link message and a Redis command of one node may be seen and still be one turn's. */
const SAME_TURN_US = 5_000n;
/** Every table a node writes while serving people; `nodes` (heartbeats) is left out. */
const TABLES = ['users', 'revoked_sessions', 'calls', 'call_members', 'blocks'];
const INSTALL = [
  `create or replace function parley_recorder_row() returns trigger language plpgsql as $$
   begin
     perform pg_notify('${CHANNEL}', json_build_object(
       'app', current_setting('application_name'),
       'at', ((extract(epoch from clock_timestamp()) * 1000000)::bigint)::text,
       'table', TG_TABLE_NAME, 'op', TG_OP,
       'old', case when TG_OP = 'INSERT' then null else to_jsonb(OLD) end,
       'new', case when TG_OP = 'DELETE' then null else to_jsonb(NEW) end)::text);
     return null;
   end $$`,
  ...TABLES.map((t) => `create trigger parley_recorder after insert or update or delete on ${t} for each row execute function parley_recorder_row()`),
];

/** One thing the backend did: a link message, a Redis command or a changed row, with when it happened (µs since the epoch). */
export type BackendEvent =
  | LinkEvent
  | { at: bigint; kind: 'redis'; source: string; args: Buffer[] }
  | { at: bigint; kind: 'row'; app: string; table: string; op: string; old: Record<string, Json> | null; new: Record<string, Json> | null };

export class ClusterRecorder extends SequenceRecorder {
  protected readonly backendNote = 'N1,N2';
  // A frame crosses two processes and Redis: more room than one process needs on a loaded 2-core machine.
  protected override quietMs = 400;
  private seen = 0;
  /** Redis client address → participant (`N1`, `N2`), from `CLIENT LIST`. */
  private readonly redisClients = new Map<string, string>();
  /** Node name (as in connection ids and channels) → participant. */
  private readonly nodeIds = new Map<string, string>();
  private readonly homes = new Map<Actor, number>();

  private constructor(
    readonly cluster: ScratchCluster,
    private readonly monitor: Socket,
    private readonly commands: Redis,
    private readonly db: pg.Client,
    private readonly taps: LinkTap[],
    private readonly events: BackendEvent[],
  ) {
    super({ presence: false });
  }

  /** Two nodes, PostgreSQL and Redis, with the recording in place. */
  static async start(): Promise<ClusterRecorder> {
    // Not the tests' fast deadlines: on a loaded machine a late heartbeat or a slow step must not reap a node or
    // end the ringing call in the middle of the recording.
    const events: BackendEvent[] = [];
    const linkPorts = [await freePort(), await freePort()];
    const taps = await Promise.all(linkPorts.map((port) => startLinkTap(port, (event) => events.push(event))));
    const cluster = await startCluster({
      nodes: 2,
      env: { PRESENCE_BATCH_MS: '50', CALL_RING_TIMEOUT_MS: '30000', CLUSTER_HEARTBEAT_MS: '1000', CLUSTER_NODE_DEAD_AFTER_MS: '30000' },
      envOf: (i) => ({ NODE_LINK_ADDRESS: `127.0.0.1:${linkPorts[i] ?? 0}`, NODE_LINK_ADVERTISE: `127.0.0.1:${taps[i]?.port ?? 0}` }),
    }).catch(async (error: unknown) => {
      for (const tap of taps) await tap.close();
      throw error;
    });
    const db = new pg.Client({ connectionString: cluster.postgres.url, application_name: 'parley-recorder' });
    const commands = new Redis(cluster.redis.url, { connectionName: 'parley-recorder' });
    const monitor = connect(cluster.redis.port, '127.0.0.1');
    const rec = new ClusterRecorder(cluster, monitor, commands, db, taps, events);
    try {
      await db.connect();
      for (const statement of INSTALL) await db.query(statement);
      db.on('notification', (message) => {
        if (message.channel !== CHANNEL || message.payload === undefined) return;
        const row = JSON.parse(message.payload) as { app: string; at: string; table: string; op: string; old: Record<string, Json> | null; new: Record<string, Json> | null };
        rec.events.push({ ...row, kind: 'row', at: BigInt(row.at) });
      });
      await db.query(`listen ${CHANNEL}`);
      cluster.nodes.forEach((node, i) => {
        const id = node.clusterName();
        if (id === null) throw new Error(`recorder: ${node.name} has not joined the cluster`);
        rec.nodeIds.set(id, `N${i + 1}`);
        rec.name(id, node.name);
      });
      await monitorRedis(monitor, (event) => rec.events.push(event));
      await rec.readRedisClients();
    } catch (error) {
      await rec.stop();
      throw error;
    }
    return rec;
  }

  /** An actor on node `node` (0 or 1); `online`: registered, logged in and connected before the recording starts. */
  async actor(username: string, label: string, node: number, options: { online?: boolean } = {}): Promise<Actor> {
    const actor = new Actor(this, username, label, this.nextActorId());
    this.homes.set(actor, node);
    this.addActor(actor);
    if (options.online) {
      await actor.setUp();
      // Two sockets on two nodes: each by whose it is (the one-process diagrams call either `connectionId`).
      this.name(actor.connectionId, `${username}'s socket`);
    }
    return actor;
  }

  override async begin(): Promise<void> {
    await this.readRedisClients();
    await super.begin();
  }

  endpointOf(actor: Actor): Endpoint {
    return endpointOf(this.cluster.node(this.homes.get(actor) ?? 0).url);
  }

  serverOf(actor: Actor): string {
    return `N${(this.homes.get(actor) ?? 0) + 1}`;
  }

  protected participants(): string[] {
    const [first, ...others] = this.actors.map((a) => `participant ${a.id} as ${a.label}`);
    return [first ?? '', 'participant N1 as node 1', 'participant R as Redis', 'participant D as PostgreSQL', 'participant N2 as node 2', ...others].filter((p) => p !== '');
  }

  protected override backendActivity(): number {
    return this.events.length;
  }

  protected backendLines(): string[] {
    const fresh = this.events.slice(this.seen);
    this.seen = this.events.length;
    // Array.prototype.sort is stable: events with the same microsecond keep their arrival order.
    fresh.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    this.afterSameTurnCommands(fresh);
    const lines: string[] = [];
    for (let i = 0; i < fresh.length; i++) {
      const event = fresh[i]!;
      if (event.kind === 'redis') {
        lines.push(...this.redisLines(event.source, event.args));
        continue;
      }
      if (event.kind === 'link') {
        lines.push(...this.linkLines(event));
        continue;
      }
      // Rows one statement changed in one table arrive together: one line for them.
      const group = [event];
      for (let next = fresh[i + 1]; next?.kind === 'row' && next.app === event.app && next.table === event.table && next.op === event.op && event.table !== 'calls'; next = fresh[i + 1]) {
        group.push(next);
        i += 1;
      }
      lines.push(...this.rowLines(group));
    }
    return lines;
  }

  async stop(): Promise<void> {
    for (const actor of this.actors) actor.kill();
    this.monitor.destroy();
    for (const tap of this.taps) await tap.close();
    this.commands.disconnect();
    await this.db.end().catch(() => undefined);
    await this.cluster.done();
  }

  /** Which node each Redis connection belongs to, by the name it gave itself. */
  private async readRedisClients(): Promise<void> {
    const list = (await this.commands.client('LIST')) as string;
    for (const line of list.split('\n')) {
      const addr = /\baddr=(\S+)/.exec(line)?.[1];
      const name = /\bname=parley-(?:pub|sub)-(\S+)/.exec(line)?.[1];
      const node = name === undefined ? undefined : this.nodeIds.get(name);
      if (addr !== undefined && node !== undefined) this.redisClients.set(addr, node);
    }
  }

  private redisLines(source: string, bytes: Buffer[]): string[] {
    // A script's own commands (source `lua`) are shown by its EVAL; the recorder's own connections are not shown.
    const node = this.redisClients.get(source);
    if (node === undefined) return [];
    const [command = '', ...rest] = bytes.map((arg) => arg.toString('utf8'));
    switch (command.toLowerCase()) {
      case 'publish':
        return this.publishLines(node, rest[0] ?? '', bytes[2] ?? Buffer.alloc(0));
      case 'eval': {
        const [script = '', keyCount = '0', ...more] = rest;
        const calls = [...new Set([...script.matchAll(/redis\.call\('(\w+)'/g)].map((m) => m[1]!))];
        return [`${node}->>R: EVAL script (${calls.join(', ')}) on ${more.slice(0, Number(keyCount)).map((k) => this.showWithin(k)).join(', ')}`];
      }
      default:
        return [`${node}->>R: ${command.toUpperCase()} ${rest.map((a) => this.showWithin(a)).join(' ')}`];
    }
  }

  /** A Redis message of the bus (apps/server/src/cluster/bus-wire.ts: one or more bus messages), and who receives it. */
  private publishLines(node: string, channel: string, data: Buffer): string[] {
    const batch = decodeBatch(data);
    if (batch === undefined) throw new Error(`not a bus message on ${channel}: ${data.toString('utf8')}`);
    // A turn's messages to one channel leave in one PUBLISH: numbered when there are several.
    const { messages } = batch;
    if (messages.length === 0) return [`${node}->>R: PUBLISH ${this.showWithin(channel)} (a marker: a link starts behind it)`];
    const part = (i: number) => (messages.length > 1 ? ` [${i + 1}/${messages.length}]` : '');
    // A broadcast names the nodes that got it over their link: they skip this copy.
    const linked = batch.linked.map((id) => this.nodeIds.get(id) ?? '?');
    const byLink = linked.length === 0 ? '' : ` (${linked.join(', ')} by link)`;
    const lines = messages.map((message, i) => `${node}->>R: PUBLISH ${this.showWithin(channel)}${part(i)}${byLink} ${this.busMessage(message)}`);
    const to = channel === 'parley:all' ? [...this.nodeIds.values()].filter((n) => n !== node && !linked.includes(n)) : [this.nodeIds.get(channel.replace(/^parley:node:/, '')) ?? '?'];
    return [...lines, ...to.map((n) => `R-->>${n}: message on ${this.showWithin(channel)}`)];
  }

  /**
   * A node sends what one turn queued for Redis and for its links together, and the tap (in this busy process) may
   * see a link message before or after Redis runs the commands sent with it. So that the picture does not change
   * from run to run, a link message goes after the Redis commands its node sent within {@link SAME_TURN_US} of it.
   */
  private afterSameTurnCommands(events: BackendEvent[]): void {
    for (let i = events.length - 1; i >= 0; i--) {
      const link = events[i];
      if (link?.kind !== 'link') continue;
      const node = this.nodeIds.get(link.from);
      let j = i;
      for (let next = events[j + 1]; next?.kind === 'redis' && this.redisClients.get(next.source) === node && next.at - link.at < SAME_TURN_US; next = events[j + 1]) {
        events[j] = next;
        j += 1;
      }
      events[j] = link;
    }
  }

  /** Bus messages one node sent another over their direct link in one turn: numbered when there are several. */
  private linkLines({ from, to, messages }: LinkEvent): string[] {
    const [sender = '?', receiver = '?'] = [this.nodeIds.get(from), this.nodeIds.get(to)];
    const part = (i: number) => (messages.length > 1 ? ` [${i + 1}/${messages.length}]` : '');
    return messages.map((message, i) => `${sender}->>${receiver}: link${part(i)} ${this.busMessage(message)}`);
  }

  /** One bus message, abbreviated. */
  private busMessage(message: BusMessage): string {
    if (message.kind === 'deliver') {
      const frame = JSON.parse(message.frame.toString('utf8')) as { type: string; payload?: Json };
      return `deliver to ${this.show(message.conn)}: ${frame.type} ${this.payload(frame.payload)}`;
    }
    const { kind, ...rest } = JSON.parse(JSON.stringify(message)) as { kind: string; [key: string]: Json };
    if (kind === 'user' && typeof rest['frame'] === 'string') {
      const frame = JSON.parse(rest['frame']) as { type: string; payload?: Json };
      const except = typeof rest['except'] === 'string' ? ` except ${this.show(rest['except'])}` : '';
      return `user ${this.show(String(rest['user']))}${except}: ${frame.type} ${this.payload(frame.payload)}`;
    }
    if (kind === 'call' && typeof rest['call'] === 'object' && rest['call'] !== null && !Array.isArray(rest['call'])) {
      const { id = null, status = null, endReason = null, version = null } = rest['call'];
      return `call row ${this.payload({ id, status, ...(endReason === null ? {} : { endReason }), version })}`;
    }
    return `${kind} ${this.payload(rest)}`;
  }

  private rowLines(group: (BackendEvent & { kind: 'row' })[]): string[] {
    const [first] = group;
    if (first === undefined) return [];
    const node = /^parley-node-(\d+)$/.exec(first.app)?.[1];
    const writer = node === undefined ? `${first.app || '?'}` : `N${node}`;
    const { table, op } = first;
    if (table === 'calls' && op === 'INSERT' && first.new) return [`${writer}->>D: INSERT calls ${this.show(String(first.new['id']))} (${String(first.new['status'])})`];
    if (table === 'calls' && op === 'UPDATE' && first.old && first.new) {
      const changes = callRowChanges(callRow(first.old), callRow(first.new), (id) => this.show(id));
      if (changes.length > 0) return changes.map((change) => `${writer}->>D: ${change}`);
      const columns = Object.keys(first.new).filter((k) => k !== 'version' && JSON.stringify(first.new?.[k]) !== JSON.stringify(first.old?.[k]));
      return [`${writer}->>D: UPDATE calls: ${columns.join(', ')}`];
    }
    if (table === 'call_members') {
      // The store writes both rows in user-id order (random ids): shown by name instead, so the line is stable.
      const users = group.map((e) => this.show(String((e.new ?? e.old)?.['user_id']))).sort();
      return [`${writer}->>D: ${op} call_members (${users.join(', ')})`];
    }
    return [`${writer}->>D: ${op} ${table} (${group.length})`];
  }
}

const num = (value: Json | undefined): number | null => (typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : null);

function callRow(row: Record<string, Json>): CallRowState {
  return {
    status: String(row['status']),
    endReason: typeof row['end_reason'] === 'string' ? row['end_reason'] : null,
    callerAway: num(row['caller_away_until']),
    calleeAway: num(row['callee_away_until']),
    callerId: String(row['caller_id']),
    calleeId: String(row['callee_id']),
  };
}

/**
 * Sends `MONITOR` on a plain socket and reports every command Redis runs. Each one is a status line
 * `<seconds>.<µs> [<db> <client address>] "arg" "arg" …`, each argument escaped as Redis's `sdscatrepr` does
 * (`\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b`, `\xHH` per byte); ioredis's own monitor mode does not undo that.
 */
export async function monitorRedis(socket: Socket, report: (event: BackendEvent) => void): Promise<void> {
  let buffered = '';
  let started!: () => void;
  const ready = new Promise<void>((resolve) => (started = resolve));
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf('\r\n'); end >= 0; end = buffered.indexOf('\r\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (line === '+OK') started();
      const parsed = /^\+(\d+)\.(\d+) \[\d+ (\S+)\] (.*)$/.exec(line);
      if (parsed === null) continue;
      const [, seconds = '0', micros = '0', source = '', rest = ''] = parsed;
      report({ kind: 'redis', at: BigInt(seconds) * 1_000_000n + BigInt(micros.padEnd(6, '0')), source, args: unescapeArgs(rest) });
    }
  });
  socket.write('MONITOR\r\n');
  await ready;
}

const ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, a: 7, b: 8, '\\': 92, '"': 34 };

/** `"a" "b\"c"` → the bytes of `a` and of `b"c`. */
function unescapeArgs(text: string): Buffer[] {
  const args: Buffer[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '"') {
      i += 1;
      continue;
    }
    const bytes: number[] = [];
    i += 1;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        const next = text[i + 1] ?? '';
        if (next === 'x') {
          bytes.push(parseInt(text.slice(i + 2, i + 4), 16));
          i += 4;
        } else {
          bytes.push(ESCAPES[next] ?? next.charCodeAt(0));
          i += 2;
        }
      } else {
        bytes.push(text.charCodeAt(i));
        i += 1;
      }
    }
    i += 1;
    args.push(Buffer.from(bytes));
  }
  return args;
}
