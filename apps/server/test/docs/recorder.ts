import type { ClientMessage } from '@parley/protocol';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import WebSocket from 'ws';
import { request } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * Records what really crosses the wire in a scenario, for the sequence diagrams of docs/ARCHITECTURE.md: every REST
 * request and answer, every WebSocket frame each way, and every change of the `calls` and `users` tables (read
 * from the SQLite file itself), against a real listening server with real `ws` clients.
 *
 * A scenario is a list of steps, each one action of one actor (a request, a frame, a dropped socket, time
 * passing). After each step the recorder waits until the wire is quiet and writes what the step caused in a fixed
 * order: the action, the database changes, the HTTP answer, then the frames each actor received, actors in the
 * order they were introduced, each actor's frames in the order they arrived. Within one step, frames to different
 * sockets leave the server in the same turn of its event loop, so only this order, not the interleaving of
 * arrivals, is meaningful. Payloads are abbreviated: ids by what they are, secrets and SDP by their key.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** How long the wire must stay silent before a step counts as finished. */
const QUIET_MS = 200;
/** Keys whose values are never shown: secrets and SDP. */
const KEY_ONLY = new Set(['password', 'currentPassword', 'newPassword', 'accessToken', 'token', 'sdp', 'expiresAt']);
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const MAX_STRING = 28;

export class Recorder {
  private readonly actors: Actor[] = [];
  private readonly lines: string[] = [];
  /** Values shown by name: user ids as the username, call ids as `callId`, tokens, connection ids. */
  private readonly names = new Map<string, string>();
  private readonly db: Database.Database;
  private tables: TableState;
  private recording = false;

  private constructor(
    readonly server: TestServer,
    private readonly options: { presence: boolean },
  ) {
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
    const actor = new Actor(this, username, label, `P${this.actors.length}`);
    this.actors.push(actor);
    if (options.online) await actor.setUp();
    return actor;
  }

  /** From here on, steps are written down; what came before (setting up) is not. */
  async begin(): Promise<void> {
    this.recording = true;
    await this.settle();
    for (const actor of this.actors) actor.takeFrames();
    this.tables = this.readTables();
    this.lines.length = 0;
  }

  /** A note over one actor, two (`[a, b]`) or the server. */
  note(over: Actor | [Actor, Actor] | 'server', text: string): void {
    const where = over === 'server' ? 'S' : Array.isArray(over) ? `${over[0].id},${over[1].id}` : over.id;
    this.write(`Note over ${where}: ${text}`);
  }

  /** Time passes (a ring timeout, a reconnect grace): the step is what the server does by itself. */
  async wait(ms: number, note: string, until?: () => boolean): Promise<void> {
    this.note('server', note);
    await new Promise((resolve) => setTimeout(resolve, ms));
    await this.step(() => undefined, until);
  }

  /** Gives a value a name to show it by. */
  name(value: string, as: string): void {
    this.names.set(value, as);
  }

  /** The scenario as a Mermaid sequence diagram. */
  diagram(): string {
    const participants = this.actors.map((a) => `  participant ${a.id} as ${a.label}`);
    return ['sequenceDiagram', participants[0] ?? '', '  participant S as Server', '  participant D as SQLite', ...participants.slice(1), ...this.lines.map((l) => `  ${l}`)]
      .filter((l) => l !== '')
      .join('\n');
  }

  async stop(): Promise<void> {
    for (const actor of this.actors) actor.kill();
    this.db.close();
    await this.server.close();
  }

  // ---------- for actors ----------

  write(text: string): void {
    if (this.recording) this.lines.push(text);
  }

  /** Runs one step: its action line(s), then the database changes, `answer` (an HTTP reply), and the frames. */
  async step(action: () => void, until?: () => boolean, answer?: () => string | undefined): Promise<void> {
    action();
    await this.settle(until);
    const tables = this.readTables();
    for (const change of diffTables(this.tables, tables, (id) => this.show(id))) this.write(`S->>D: ${change}`);
    this.tables = tables;
    const reply = answer?.();
    if (reply !== undefined) this.write(reply);
    for (const actor of this.actors) {
      for (const frame of actor.takeFrames()) {
        if (frame.type === 'presence' && !this.options.presence) continue;
        this.write(`S-->>${actor.id}: ${frame.type} ${this.payload(frame.payload)}`);
      }
    }
  }

  /** `{a, b: "x"}`: a payload abbreviated for a diagram. */
  payload(value: Json | undefined): string {
    return value === undefined ? '' : this.render(value, '', 0);
  }

  /** A path with the values it names shown as parameters: `/calls/:callId/end`. */
  route(path: string): string {
    return path
      .split('/')
      .map((part) => (this.names.has(part) ? `:${this.names.get(part)}` : part))
      .join('/');
  }

  show(value: string): string {
    return this.names.get(value) ?? value;
  }

  private render(value: Json, key: string, depth: number): string {
    if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value === 'string') {
      const named = this.names.get(value);
      if (named !== undefined) return named;
      if (KEY_ONLY.has(key) || ISO_TIME.test(value)) return '…';
      return JSON.stringify(value.length > MAX_STRING ? `${value.slice(0, MAX_STRING - 1)}…` : value);
    }
    if (Array.isArray(value)) return `[${value.map((v) => this.render(v, key, depth + 1)).join(', ')}]`;
    if (depth >= 2) return '{…}';
    const parts = Object.entries(value).map(([k, v]) => {
      const shown = this.render(v, k, depth + 1);
      // An id, a secret or a time says enough by its key.
      const byKey = shown === '…' || (typeof v === 'string' && this.names.has(v) && !Array.isArray(value));
      return byKey ? k : `${k}: ${shown}`;
    });
    return `{${parts.join(', ')}}`;
  }

  private async settle(until: () => boolean = () => true): Promise<void> {
    // Off the record (setting up) only the step's own answer matters; begin() waits for the wire to go quiet.
    const quietMs = this.recording ? QUIET_MS : 0;
    const deadline = Date.now() + 10_000;
    let count = this.received();
    let quietSince = Date.now();
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const now = this.received();
      if (now !== count) {
        count = now;
        quietSince = Date.now();
      } else if (Date.now() - quietSince >= quietMs && until()) {
        return;
      }
    }
    throw new Error('recorder: the step did not settle within 10 s');
  }

  private received(): number {
    return this.actors.reduce((sum, a) => sum + a.pendingCount, 0);
  }

  private readTables(): TableState {
    const calls = this.db.prepare('SELECT id, status, end_reason AS endReason, caller_away_until AS callerAway, callee_away_until AS calleeAway, caller_id AS callerId, callee_id AS calleeId FROM calls').all() as CallRow[];
    const users = (this.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
    return { calls: new Map(calls.map((c) => [c.id, c])), users };
  }
}

interface CallRow {
  id: string;
  status: string;
  endReason: string | null;
  callerAway: number | null;
  calleeAway: number | null;
  callerId: string;
  calleeId: string;
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
    if (was === undefined) {
      changes.push(`INSERT calls ${show(id)} (${row.status}) + call_members`);
      continue;
    }
    if (was.status !== row.status) changes.push(`UPDATE calls ${was.status} → ${row.status}${row.endReason ? ` (${row.endReason})` : ''}`);
    for (const [side, wasAway, isAway, user] of [
      ['caller', was.callerAway, row.callerAway, row.callerId],
      ['callee', was.calleeAway, row.calleeAway, row.calleeId],
    ] as const) {
      if (row.status === 'ended') continue;
      if (wasAway === null && isAway !== null) changes.push(`UPDATE calls: ${show(user)} away, grace deadline set`);
      if (wasAway !== null && isAway === null) changes.push(`UPDATE calls: ${show(user)}'s side bound again (${side})`);
    }
  }
  return changes;
}

interface Frame {
  type: string;
  payload: Json | undefined;
}

/** A person with a browser: a user, their token and at most one socket, acting and being recorded. */
export class Actor {
  token = '';
  userId = '';
  connectionId = '';
  private socket: WebSocket | null = null;
  private frames: Frame[] = [];
  private readonly password: string;

  constructor(
    private readonly rec: Recorder,
    readonly username: string,
    readonly label: string,
    readonly id: string,
  ) {
    this.password = `${username}-diagram-password`;
  }

  get pendingCount(): number {
    return this.frames.length;
  }

  takeFrames(): Frame[] {
    const taken = this.frames;
    this.frames = [];
    return taken;
  }

  /** Registered, logged in and connected, off the record. */
  async setUp(): Promise<void> {
    await this.register();
    await this.login();
    await this.connect();
  }

  async register(): Promise<void> {
    await this.rest('POST', '/auth/register', { username: this.username, password: this.password }, (body) => {
      const id = (body as { id?: unknown }).id;
      if (typeof id !== 'string') throw new Error('recorder: register answered no id');
      this.userId = id;
      this.rec.name(id, this.username);
    });
  }

  async login(): Promise<void> {
    await this.rest('POST', '/auth/login', { username: this.username, password: this.password }, (body) => {
      const token = (body as { accessToken?: unknown }).accessToken;
      if (typeof token !== 'string') throw new Error('recorder: login answered no token');
      this.token = token;
    });
  }

  /** A REST request and its answer; `seen` learns from the answer before it is written down. Returns the body. */
  async rest(method: string, path: string, body?: Json, seen?: (body: Json) => void): Promise<Json> {
    let reply: { status: number; body: Json } | undefined;
    let failure: unknown;
    await this.rec.step(
      () => {
        this.rec.write(`${this.id}->>S: ${method} /api/v1${this.rec.route(path)}${body === undefined ? '' : ` ${this.rec.payload(body)}`}`);
        const options = { ...(this.token ? { token: this.token } : {}), ...(body === undefined ? {} : { body }) };
        request<Json>(this.rec.server, method, path, options).then(
          (answer) => {
            seen?.(answer.body);
            reply = answer;
          },
          (error: unknown) => {
            failure = error;
          },
        );
      },
      () => reply !== undefined || failure !== undefined,
      () => (reply === undefined ? undefined : `S-->>${this.id}: ${reply.status} ${this.rec.payload(reply.body)}`),
    );
    if (reply === undefined) throw failure instanceof Error ? failure : new Error('recorder: the request failed');
    return reply.body;
  }

  /** Opens the signaling socket (subprotocol `bearer`), recording the upgrade and what follows. */
  async connect(): Promise<void> {
    let failure: Error | undefined;
    await this.rec.step(
      () => {
        this.rec.write(`${this.id}->>S: WebSocket /api/v1/ws, subprotocol ["bearer", jwt]`);
        const socket = new WebSocket(this.rec.server.wsUrl, ['bearer', this.token]);
        socket.on('error', (error) => {
          failure = error;
        });
        socket.on('message', (data) => this.received(JSON.parse(data.toString()) as { type: string; payload?: Json }));
        this.socket = socket;
      },
      () => this.connectionId !== '' || failure !== undefined,
    );
    if (failure !== undefined) throw failure;
  }

  /** Sends a frame. */
  async send(message: ClientMessage): Promise<void> {
    await this.rec.step(() => {
      this.rec.write(`${this.id}->>S: ${message.type} ${this.rec.payload(message.payload as Json)}`);
      this.socket?.send(JSON.stringify(message));
    });
  }

  /** The network drops: the socket closes without a goodbye. */
  async drop(note: string): Promise<void> {
    await this.rec.step(() => {
      this.rec.note(this, note);
      this.kill();
    });
  }

  kill(): void {
    this.socket?.terminate();
    this.socket = null;
    this.connectionId = '';
  }

  private received(frame: { type: string; payload?: Json }): void {
    if (frame.type === 'hello' && typeof frame.payload === 'object' && frame.payload !== null && !Array.isArray(frame.payload)) {
      const id = frame.payload['connectionId'];
      if (typeof id === 'string') {
        this.connectionId = id;
        this.rec.name(id, 'connectionId');
      }
    }
    this.frames.push({ type: frame.type, payload: frame.payload });
  }
}
