import type { ClientMessage } from '@parley/protocol';
import WebSocket from 'ws';

/**
 * Records what really crosses the wire in a scenario, for the sequence diagrams of docs/ARCHITECTURE.md: every REST
 * request and answer and every WebSocket frame each way, with real `ws` clients against real listening servers. What
 * the backend does meanwhile (database writes, Redis traffic) is the subclass's: one process with its SQLite file
 * (apps/server/test/docs/recorder.ts), or two nodes with PostgreSQL and Redis (packages/cluster/test/docs/).
 *
 * A scenario is a list of steps, each one action of one actor (a request, a frame, a dropped socket, time
 * passing). After each step the recorder waits until the wire is quiet and writes what the step caused in a fixed
 * order: the action, what the backend did, the HTTP answer, then the frames each actor received, actors in the
 * order they were introduced, each actor's frames in the order they arrived. Frames to different sockets leave the
 * server(s) in one causal burst, so only this order, not the interleaving of arrivals, is meaningful. Payloads are
 * abbreviated: ids by what they are, secrets and SDP by their key.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Keys whose values are never shown: secrets and SDP. */
const KEY_ONLY = new Set(['password', 'currentPassword', 'newPassword', 'accessToken', 'token', 'sdp', 'expiresAt']);
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const MAX_STRING = 28;

/** Where an actor's requests and socket go. */
export interface Endpoint {
  apiUrl: string;
  wsUrl: string;
}

export interface Frame {
  type: string;
  payload: Json | undefined;
}

export abstract class SequenceRecorder {
  protected readonly actors: Actor[] = [];
  private readonly lines: string[] = [];
  /** Values shown by name: user ids as the username, call ids as `callId`, tokens, connection ids. */
  private readonly names = new Map<string, string>();
  protected recording = false;
  /** How long the wire must stay silent before a step counts as finished. */
  protected quietMs = 200;

  protected constructor(private readonly options: { presence: boolean }) {}

  /** The `participant` lines, in the order the diagram shows them. */
  protected abstract participants(): string[];
  /** Where an actor's requests and socket go. */
  abstract endpointOf(actor: Actor): Endpoint;
  /** The participant that answers an actor and sends it frames. */
  abstract serverOf(actor: Actor): string;
  /** Where a note about the backend goes (`Note over …`). */
  protected abstract readonly backendNote: string;
  /** What the backend did since the last call, as diagram lines (database writes, Redis traffic). */
  protected abstract backendLines(): string[];
  /** How many backend events were seen so far: a step is not finished while it grows. */
  protected backendActivity(): number {
    return 0;
  }

  protected addActor(actor: Actor): void {
    this.actors.push(actor);
  }

  /** The next actor's participant id. */
  protected nextActorId(): string {
    return `P${this.actors.length}`;
  }

  /** From here on, steps are written down; what came before (setting up) is not. */
  async begin(): Promise<void> {
    this.recording = true;
    await this.settle();
    for (const actor of this.actors) actor.takeFrames();
    this.backendLines();
    this.lines.length = 0;
  }

  /** A note over one actor, two (`[a, b]`), the backend (`'server'`) or a participant id. */
  note(over: Actor | [Actor, Actor] | 'server', text: string): void {
    const where = over === 'server' ? this.backendNote : Array.isArray(over) ? `${over[0].id},${over[1].id}` : over.id;
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
    return ['sequenceDiagram', ...this.participants().map((p) => `  ${p}`), ...this.lines.map((l) => `  ${l}`)].join('\n');
  }

  // ---------- for actors and subclasses ----------

  /** A line of the diagram; `;` and `#` would end or escape a Mermaid statement, so they become `,` and `no.`. */
  write(text: string): void {
    if (this.recording) this.lines.push(text.replace(/;/g, ',').replace(/#/g, 'no.'));
  }

  /** Runs one step: its action line(s), then what the backend did, `answer` (an HTTP reply), and the frames. */
  async step(action: () => void, until?: () => boolean, answer?: () => string | undefined): Promise<void> {
    action();
    await this.settle(until);
    for (const line of this.backendLines()) this.write(line);
    const reply = answer?.();
    if (reply !== undefined) this.write(reply);
    for (const actor of this.actors) {
      for (const frame of actor.takeFrames()) {
        if (frame.type === 'presence' && !this.options.presence) continue;
        this.write(`${this.serverOf(actor)}-->>${actor.id}: ${frame.type} ${this.payload(frame.payload)}`);
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

  /** Every named value inside a longer text (a Redis key, a channel) replaced by its name. */
  showWithin(text: string): string {
    let out = text;
    // Longest first: a connection id holds its node's id.
    const names = [...this.names].filter(([value]) => value.length >= 8).sort((a, b) => b[0].length - a[0].length);
    for (const [value, as] of names) out = out.split(value).join(as);
    return out;
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
    const quietMs = this.recording ? this.quietMs : 0;
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
    return this.actors.reduce((sum, a) => sum + a.pendingCount, 0) + this.backendActivity();
  }
}

/** The call row's columns a diagram speaks of. */
export interface CallRowState {
  status: string;
  endReason: string | null;
  callerAway: number | null;
  calleeAway: number | null;
  callerId: string;
  calleeId: string;
}

/** How a call row changed, in words: its status, a side going away or bound again. */
export function callRowChanges(was: CallRowState, row: CallRowState, show: (id: string) => string): string[] {
  const changes: string[] = [];
  if (was.status !== row.status) changes.push(`UPDATE calls ${was.status} → ${row.status}${row.endReason ? ` (${row.endReason})` : ''}`);
  for (const [side, wasAway, isAway, user] of [
    ['caller', was.callerAway, row.callerAway, row.callerId],
    ['callee', was.calleeAway, row.calleeAway, row.calleeId],
  ] as const) {
    if (row.status === 'ended') continue;
    if (wasAway === null && isAway !== null) changes.push(`UPDATE calls: ${show(user)} away, grace deadline set`);
    if (wasAway !== null && isAway === null) changes.push(`UPDATE calls: ${show(user)}'s side bound again (${side})`);
  }
  return changes;
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
    private readonly rec: SequenceRecorder,
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
    const server = this.rec.serverOf(this);
    await this.rec.step(
      () => {
        this.rec.write(`${this.id}->>${server}: ${method} /api/v1${this.rec.route(path)}${body === undefined ? '' : ` ${this.rec.payload(body)}`}`);
        request(this.rec.endpointOf(this), method, path, this.token, body).then(
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
      () => (reply === undefined ? undefined : `${server}-->>${this.id}: ${reply.status} ${this.rec.payload(reply.body)}`),
    );
    if (reply === undefined) throw failure instanceof Error ? failure : new Error('recorder: the request failed');
    return reply.body;
  }

  /** Opens the signaling socket (subprotocol `bearer`), recording the upgrade and what follows. */
  async connect(): Promise<void> {
    let failure: Error | undefined;
    await this.rec.step(
      () => {
        this.rec.write(`${this.id}->>${this.rec.serverOf(this)}: WebSocket /api/v1/ws, subprotocol ["bearer", jwt]`);
        const socket = new WebSocket(this.rec.endpointOf(this).wsUrl, ['bearer', this.token]);
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
      this.rec.write(`${this.id}->>${this.rec.serverOf(this)}: ${message.type} ${this.rec.payload(message.payload as Json)}`);
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

/** A JSON request; the body is parsed when the answer is JSON. */
async function request(at: Endpoint, method: string, path: string, token: string, body: Json | undefined): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = {};
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${at.apiUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: (response.headers.get('content-type')?.includes('application/json') ? JSON.parse(text) : text) as Json };
}
