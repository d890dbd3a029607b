import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { pgBackend, sqliteBackend } from './backends.js';

/**
 * One suite, both backends: every case runs against SQLite and PostgreSQL and expects the same results. The
 * concurrent cases are real races on PostgreSQL (separate pooled connections) and serialised on SQLite.
 */
const backends = [sqliteBackend(), pgBackend()];
afterAll(async () => {
  for (const backend of backends) await backend.stop();
});

const RING = 30_000;
const T0 = 1_800_000_000_000;

describe.each(backends)('$name store', (backend) => {
  let store: Store;
  let alice: string;
  let bob: string;
  let carol: string;

  beforeEach(async () => {
    store = await backend.open();
    const made = [];
    for (const name of ['alice', 'Bob', 'carol']) {
      const created = await store.users.create(name, `hash-of-${name}`, T0);
      if (!created.ok) throw new Error('seed user taken');
      made.push(created.user.id);
    }
    [alice, bob, carol] = made as [string, string, string];
  });

  const ring = (callerId: string, calleeId: string, now = T0, callerConn: string | null = null) =>
    store.calls.create({ callerId, calleeId, callerConn, now, ringExpiresAt: now + RING, rangAt: null, media: 'video' });
  const ringing = async (callerId: string, calleeId: string, now = T0, callerConn: string | null = null) => {
    const result = await ring(callerId, calleeId, now, callerConn);
    if (!result.ok) throw new Error('expected the call to ring');
    return result.call;
  };

  describe('users', () => {
    it('are unique by name regardless of case and found by either spelling', async () => {
      expect(await store.users.create('BOB', 'h', T0)).toEqual({ ok: false, reason: 'taken' });
      expect((await store.users.findByUsername('bob'))?.id).toBe(bob);
      expect(await store.users.findByUsername('nobody')).toBeUndefined();
      expect(await store.users.findById(bob)).toEqual({ id: bob, username: 'Bob' });
      expect(await store.users.findById('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    });

    it('list everyone else sorted by name, by a literal prefix', async () => {
      await store.users.create('b_x', 'h', T0);
      await store.users.create('bax', 'h', T0);
      const names = async (page: { prefix?: string; after?: string; limit?: number }) =>
        (await store.users.list(alice, { limit: 100, ...page })).map((u) => u.username);
      expect(await names({})).toEqual(['b_x', 'bax', 'Bob', 'carol']);
      // `_` is a character, not a wildcard.
      expect(await names({ prefix: 'B_' })).toEqual(['b_x']);
      expect(await names({ prefix: 'BO' })).toEqual(['Bob']);
    });

    it('list in pages: at most `limit`, after a name given in any case', async () => {
      for (const name of ['b_x', 'bax', 'dave', 'erin']) await store.users.create(name, 'h', T0);
      const page = async (after: string | undefined, prefix?: string) =>
        (await store.users.list(alice, { limit: 2, after, prefix })).map((u) => u.username);
      expect(await page(undefined)).toEqual(['b_x', 'bax']);
      expect(await page('BAX')).toEqual(['Bob', 'carol']);
      expect(await page('carol')).toEqual(['dave', 'erin']);
      expect(await page('erin')).toEqual([]);
      expect(await page('b_x', 'b')).toEqual(['bax', 'Bob']);
    });

    it('say which ids still exist, and deleting a user deletes their calls', async () => {
      const call = await ringing(alice, bob);
      expect(await store.users.delete(bob)).toBe(true);
      expect(await store.users.delete(bob)).toBe(false);
      expect([...(await store.users.sessionGenerations([alice, bob, carol])).keys()].sort()).toEqual([alice, carol].sort());
      expect(await store.calls.findById(call.id)).toBeUndefined();
      // Alice is free again: the member rows went with the call.
      expect((await ring(alice, carol)).ok).toBe(true);
    });
  });

  describe('sessions', () => {
    it('start in generation 0 with nothing revoked; a password change sets the hash and bumps the generation', async () => {
      expect(await store.users.sessionState(alice, T0)).toEqual({ user: { id: alice, username: 'alice' }, generation: 0, revoked: new Set() });
      expect((await store.users.findByUsername('alice'))?.sessionGeneration).toBe(0);
      expect(await store.users.changePassword(alice, 'new-hash')).toBe(1);
      expect(await store.users.changePassword(alice, 'newer-hash')).toBe(2);
      expect(await store.users.findByUsername('alice')).toMatchObject({ passwordHash: 'newer-hash', sessionGeneration: 2 });
      expect((await store.users.sessionState(alice, T0))?.generation).toBe(2);
      expect(await store.users.sessionGenerations([alice, bob])).toEqual(new Map([[alice, 2], [bob, 0]]));
      expect(await store.users.changePassword('00000000-0000-4000-8000-000000000000', 'h')).toBeUndefined();
      expect(await store.users.sessionState('00000000-0000-4000-8000-000000000000', T0)).toBeUndefined();
    });

    it('revoked ones count until they expire, are purged after, and go with their user', async () => {
      await store.users.revokeSession(alice, 's1', T0 + 1000, T0);
      await store.users.revokeSession(alice, 's1', T0 + 1000, T0);
      await store.users.revokeSession(alice, 's2', T0 + 5000, T0);
      await store.users.revokeSession(bob, 's3', T0 + 5000, T0);
      expect((await store.users.sessionState(alice, T0))?.revoked).toEqual(new Set(['s1', 's2']));
      expect((await store.users.sessionState(alice, T0 + 1000))?.revoked).toEqual(new Set(['s2']));
      expect(await store.users.revokedAmong(['s1', 's3', 'never'])).toEqual(new Set(['s1', 's3']));
      // A later revocation purges the expired ones.
      await store.users.revokeSession(carol, 's4', T0 + 9000, T0 + 2000);
      expect(await store.users.revokedAmong(['s1', 's2', 's3', 's4'])).toEqual(new Set(['s2', 's3', 's4']));
      expect(await store.users.delete(bob)).toBe(true);
      expect(await store.users.revokedAmong(['s3'])).toEqual(new Set());
    });
  });

  describe('creating a call', () => {
    it('rings with a deadline and the caller connection it was given', async () => {
      const call = await ringing(alice, bob, T0, 'n1.conn-a');
      expect(call).toMatchObject({ callerId: alice, calleeId: bob, status: 'created', createdAt: T0, ringExpiresAt: T0 + RING, callerConn: 'n1.conn-a', calleeConn: null, rangAt: null, media: 'video', version: 0 });
      expect(await store.calls.findById(call.id)).toEqual(call);
      const rung = await store.calls.create({ callerId: carol, calleeId: (await createUser(store, 'dave')).id, callerConn: null, now: T0, ringExpiresAt: T0 + RING, rangAt: T0, media: 'audio' });
      expect(rung.ok && rung.call.rangAt).toBe(T0);
      // A voice call says so in its row, so every node rings it as one.
      expect(rung.ok && (await store.calls.findById(rung.call.id))?.media).toBe('audio');
      expect(rung.ok && (await store.calls.markRang(rung.call.id, T0 + 1))).toBeNull();
    });

    it('is refused while either user is in a live call, naming the call in the way', async () => {
      const first = await ringing(alice, bob);
      expect(await ring(alice, carol)).toEqual({ ok: false, blocking: first });
      expect(await ring(carol, bob)).toEqual({ ok: false, blocking: first });
      // Glare: bob calling back the caller who rings him gets that very call.
      expect(await ring(bob, alice)).toEqual({ ok: false, blocking: first });
      await store.calls.end(first.id, ['created'], 'cancelled', T0 + 1);
      expect((await ring(carol, bob)).ok).toBe(true);
    });

    it('has exactly one winner among many at once, both directions', async () => {
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? ring(alice, bob) : ring(bob, alice))));
      const won = results.filter((r) => r.ok);
      expect(won).toHaveLength(1);
      const winner = won[0]!.ok ? won[0]!.call : undefined;
      for (const refused of results.filter((r) => !r.ok)) expect(refused).toEqual({ ok: false, blocking: winner });
      expect(await store.calls.listLive()).toHaveLength(1);
    });

    it('has one winner when three users ring each other in a circle at once', async () => {
      const results = await Promise.all([ring(alice, bob), ring(bob, carol), ring(carol, alice)]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
    });
  });

  describe('transitions', () => {
    it('accept once: ringing → active with the callee connection and no ring deadline', async () => {
      const call = await ringing(alice, bob);
      const [first, second] = await Promise.all([store.calls.accept(call.id, 'n1.b1', T0 + 5), store.calls.accept(call.id, 'n2.b2', T0 + 6)]);
      const winner = first ?? second;
      expect([first, second].filter((r) => r !== null)).toHaveLength(1);
      expect(winner).toMatchObject({ status: 'active', answeredAt: expect.any(Number), ringExpiresAt: null, version: 1 });
      expect(['n1.b1', 'n2.b2']).toContain(winner?.calleeConn);
    });

    it('end once, only from the statuses named, freeing both users', async () => {
      const call = await ringing(alice, bob);
      expect(await store.calls.end(call.id, ['active'], 'hangup', T0 + 1)).toBeNull();
      const results = await Promise.all([store.calls.end(call.id, ['created'], 'rejected', T0 + 2), store.calls.end(call.id, ['created'], 'cancelled', T0 + 2)]);
      const ended = results.filter((r) => r !== null);
      expect(ended).toHaveLength(1);
      expect(ended[0]).toMatchObject({ status: 'ended', endedAt: T0 + 2, ringExpiresAt: null });
      expect(['rejected', 'cancelled']).toContain(ended[0]?.endReason);
      expect(await store.calls.accept(call.id, 'n1.b', T0 + 3)).toBeNull();
      expect((await ring(bob, alice)).ok).toBe(true);
    });

    it('a missed call ends only once its ring deadline has passed', async () => {
      const call = await ringing(alice, bob);
      expect(await store.calls.end(call.id, ['created'], 'missed', T0 + RING - 1, { kind: 'ring_expired' })).toBeNull();
      expect(await store.calls.end(call.id, ['created'], 'missed', T0 + RING, { kind: 'ring_expired' })).toMatchObject({ endReason: 'missed' });
    });

    it('bind swaps a side’s connection only from the one expected', async () => {
      const call = await ringing(alice, bob, T0, 'n1.a1');
      expect(await store.calls.bind(call.id, 'caller', 'n2.a2', null)).toBeNull();
      expect(await store.calls.bind(call.id, 'caller', 'n2.a2', 'n1.zz')).toBeNull();
      expect(await store.calls.bind(call.id, 'caller', 'n2.a2', 'n1.a1')).toMatchObject({ callerConn: 'n2.a2', version: 1 });
      expect(await store.calls.bind(call.id, 'callee', 'n3.b1', null)).toMatchObject({ calleeConn: 'n3.b1', version: 2 });
    });

    it('a side that leaves waits out its grace; coming back clears it; staying away ends the call once', async () => {
      const created = await ringing(alice, bob, T0, 'n1.a1');
      await store.calls.accept(created.id, 'n1.b1', T0 + 1);
      expect(await store.calls.leave(created.id, 'caller', 'n9.other', T0 + 10_000)).toBeNull();
      expect(await store.calls.leave(created.id, 'caller', 'n1.a1', T0 + 10_000)).toMatchObject({ callerConn: null, callerAwayUntil: T0 + 10_000 });
      expect(await store.calls.end(created.id, ['active'], 'connection_lost', T0 + 9_999, { kind: 'grace_expired', role: 'caller' })).toBeNull();
      expect(await store.calls.bind(created.id, 'caller', 'n2.a2', null)).toMatchObject({ callerConn: 'n2.a2', callerAwayUntil: null });
      expect(await store.calls.end(created.id, ['active'], 'connection_lost', T0 + 20_000, { kind: 'grace_expired', role: 'caller' })).toBeNull();
      await store.calls.leave(created.id, 'caller', 'n2.a2', T0 + 30_000);
      const ends = await Promise.all([1, 2, 3].map(() => store.calls.end(created.id, ['created', 'active'], 'connection_lost', T0 + 30_000, { kind: 'grace_expired', role: 'caller' })));
      expect(ends.filter((r) => r !== null)).toHaveLength(1);
    });

    it('records the first ring once', async () => {
      const call = await ringing(alice, bob);
      const marks = await Promise.all([store.calls.markRang(call.id, T0 + 1), store.calls.markRang(call.id, T0 + 2)]);
      expect(marks.filter((r) => r !== null)).toHaveLength(1);
      expect((await store.calls.findById(call.id))?.rangAt).toBeGreaterThan(T0);
    });

    it('finds what is overdue: rings past their deadline and sides past their grace', async () => {
      const late = await ringing(alice, bob, T0);
      const onTime = await ringing(carol, (await createUser(store, 'dave')).id, T0 + 5_000);
      const away = await ringing((await createUser(store, 'erin')).id, (await createUser(store, 'frank')).id, T0, 'n1.e');
      await store.calls.accept(away.id, 'n1.f', T0 + 1);
      await store.calls.leave(away.id, 'caller', 'n1.e', T0 + RING);
      expect((await store.calls.overdue(T0 + RING, 10)).map((c) => c.id).sort()).toEqual([late.id, away.id].sort());
      expect((await store.calls.overdue(T0 + RING + 5_000, 10)).map((c) => c.id).sort()).toEqual([late.id, onTime.id, away.id].sort());
      expect(await store.calls.overdue(T0 + RING, 1)).toHaveLength(1);
    });
  });

  describe('blocks', () => {
    it('are kept once, listed by name with their time, and removed once', async () => {
      expect(await store.blocks.add(bob, carol, T0)).toBe(true);
      expect(await store.blocks.add(bob, carol, T0 + 5)).toBe(false);
      expect(await store.blocks.add(bob, alice, T0 + 1)).toBe(true);
      expect(await store.blocks.list(bob)).toEqual([
        { id: alice, username: 'alice', blockedAt: T0 + 1 },
        { id: carol, username: 'carol', blockedAt: T0 },
      ]);
      expect(await store.blocks.has(bob, carol)).toBe(true);
      // One way only: carol did not block bob.
      expect(await store.blocks.has(carol, bob)).toBe(false);
      expect(await store.blocks.remove(bob, carol)).toBe(true);
      expect(await store.blocks.remove(bob, carol)).toBe(false);
      expect(await store.blocks.has(bob, carol)).toBe(false);
      expect(await store.blocks.list(carol)).toEqual([]);
    });

    it('say who among some users blocked one, and whom some users blocked', async () => {
      await store.blocks.add(bob, alice, T0);
      await store.blocks.add(carol, alice, T0);
      await store.blocks.add(carol, bob, T0);
      expect(await store.blocks.blockersOf(alice, [bob, carol])).toEqual(new Set([bob, carol]));
      expect(await store.blocks.blockersOf(alice, [bob])).toEqual(new Set([bob]));
      expect(await store.blocks.blockersOf(bob, [alice, carol])).toEqual(new Set([carol]));
      const blocked = await store.blocks.blockedBy([alice, bob, carol]);
      expect([...blocked.keys()].sort()).toEqual([bob, carol].sort());
      expect(blocked.get(bob)).toEqual([alice]);
      expect(blocked.get(carol)?.sort()).toEqual([alice, bob].sort());
    });

    it('go with either user', async () => {
      await store.blocks.add(bob, alice, T0);
      await store.blocks.add(carol, bob, T0);
      expect(await store.users.delete(bob)).toBe(true);
      expect(await store.blocks.blockedBy([bob, carol])).toEqual(new Map());
    });
  });

  describe('counting unanswered calls of a pair', () => {
    it('counts missed, declined, cancelled and ringing calls of that caller to that callee in the window', async () => {
      const missed = await ringing(alice, bob, T0);
      await store.calls.end(missed.id, ['created'], 'missed', T0 + RING, { kind: 'ring_expired' });
      const declined = await ringing(alice, bob, T0 + 100_000);
      await store.calls.end(declined.id, ['created'], 'rejected', T0 + 100_001);
      const answered = await ringing(alice, bob, T0 + 200_000);
      await store.calls.accept(answered.id, 'n1.b', T0 + 200_001);
      await store.calls.end(answered.id, ['active'], 'hangup', T0 + 200_002);
      // Other pairs do not count: bob calling alice, alice calling carol.
      const back = await ringing(bob, alice, T0 + 300_000);
      await store.calls.end(back.id, ['created'], 'cancelled', T0 + 300_001);
      const other = await ringing(alice, carol, T0 + 400_000);
      await store.calls.end(other.id, ['created'], 'cancelled', T0 + 400_001);
      await ringing(alice, bob, T0 + 500_000);
      expect(await store.calls.unansweredSince(alice, bob, T0)).toEqual({ count: 3, oldest: T0 });
      expect(await store.calls.unansweredSince(alice, bob, T0 + 1)).toEqual({ count: 2, oldest: T0 + 100_000 });
      expect(await store.calls.unansweredSince(bob, alice, T0)).toEqual({ count: 1, oldest: T0 + 300_000 });
      expect(await store.calls.unansweredSince(carol, bob, T0)).toEqual({ count: 0, oldest: null });
    });
  });

  describe('reading calls', () => {
    it('lists live calls with names, and a user’s history newest first, paged by time', async () => {
      const first = await ringing(alice, bob, T0);
      await store.calls.end(first.id, ['created'], 'cancelled', T0 + 1);
      const second = await ringing(carol, alice, T0 + 10);
      expect(await store.calls.listLive()).toEqual([{ ...second, callerName: 'carol', calleeName: 'alice' }]);
      const history = await store.calls.history(alice, 10);
      expect(history.map((c) => [c.id, c.callerName, c.calleeName])).toEqual([
        [second.id, 'carol', 'alice'],
        [first.id, 'alice', 'Bob'],
      ]);
      expect((await store.calls.history(alice, 10, T0 + 10)).map((c) => c.id)).toEqual([first.id]);
      expect((await store.calls.history(alice, 1)).map((c) => c.id)).toEqual([second.id]);
      expect((await store.calls.listRecent(5)).map((c) => c.id)).toEqual([second.id, first.id]);
    });

    it('ends every live call at once and frees their users', async () => {
      const one = await ringing(alice, bob);
      await store.calls.accept(one.id, 'n1.b', T0 + 1);
      await ringing(carol, (await createUser(store, 'dave')).id);
      const ended = await store.calls.endAllLive('server_restart', T0 + 2);
      expect(ended.map((c) => c.endReason)).toEqual(['server_restart', 'server_restart']);
      expect(await store.calls.listLive()).toEqual([]);
      expect((await ring(bob, alice)).ok).toBe(true);
    });
  });

  describe('nodes', () => {
    it('heartbeat while registered; a silent node is reaped once, its call sides put into their grace', async () => {
      await store.nodes.register('aaaa0001', T0);
      await store.nodes.register('bbbb0002', T0);
      const call = await ringing(alice, bob, T0, 'aaaa0001.alice-1');
      await store.calls.accept(call.id, 'bbbb0002.bob-1', T0 + 1);
      const other = await ringing(carol, (await createUser(store, 'dave')).id, T0, 'aaaa00011.carol-1');
      expect(await store.nodes.heartbeat('bbbb0002', T0 + 6_000)).toBe(true);
      const reaps = await Promise.all([store.nodes.reap(T0 + 5_000, T0 + 16_000), store.nodes.reap(T0 + 5_000, T0 + 16_000)]);
      const winner = reaps.find((r) => r.nodes.length > 0);
      expect(reaps.flatMap((r) => r.nodes)).toEqual(['aaaa0001']);
      expect(winner?.calls).toEqual([expect.objectContaining({ id: call.id, callerConn: null, callerAwayUntil: T0 + 16_000, calleeConn: 'bbbb0002.bob-1' })]);
      // `aaaa00011.` is another node's prefix, not aaaa0001's.
      expect((await store.calls.findById(other.id))?.callerConn).toBe('aaaa00011.carol-1');
      expect(await store.nodes.heartbeat('aaaa0001', T0 + 7_000)).toBe(false);
      expect((await store.nodes.list()).map((n) => n.id)).toEqual(['bbbb0002']);
      await store.nodes.remove('bbbb0002');
      expect(await store.nodes.list()).toEqual([]);
    });
  });

  it('is ready once migrated', async () => {
    expect(await store.ready()).toBe(true);
  });
});

async function createUser(store: Store, name: string) {
  const created = await store.users.create(name, 'h', T0);
  if (!created.ok) throw new Error(`${name} taken`);
  return created.user;
}
