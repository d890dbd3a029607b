import type { UserListItem } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { applyPresence, filterUsers } from '../../src/stores/users';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const user = (n: number, online: boolean): UserListItem => ({ id: id(n), username: `user${n}`, online });

describe('applyPresence', () => {
  const list = [user(1, false), user(2, true), user(3, false)];

  it('applies a batch and keeps untouched entries as they are', () => {
    const { users, unknown } = applyPresence(list, { online: [id(1)], offline: [id(2)] }, id(9));
    expect(users.map((u) => u.online)).toEqual([true, false, false]);
    expect(users[2]).toBe(list[2]);
    expect(unknown).toBe(false);
  });

  it('keeps the same objects when nothing changes', () => {
    const { users } = applyPresence(list, { online: [id(2)], offline: [id(3)] }, id(9));
    users.forEach((u, i) => expect(u).toBe(list[i]));
  });

  it('flags someone the list does not have, but not ourselves', () => {
    expect(applyPresence(list, { online: [id(9)], offline: [] }, id(9)).unknown).toBe(false);
    expect(applyPresence(list, { online: [id(9), id(4)], offline: [] }, id(9)).unknown).toBe(true);
    expect(applyPresence(list, { online: [], offline: [id(5)] }, undefined).unknown).toBe(true);
  });
});

describe('filterUsers', () => {
  it('puts online people first and keeps the server order within each group', () => {
    const list = [user(1, false), user(2, true), user(3, false), user(4, true)];
    expect(filterUsers(list, '').map((u) => u.username)).toEqual(['user2', 'user4', 'user1', 'user3']);
  });

  it('filters by a case-insensitive substring before sorting, without touching the input', () => {
    const list = [user(11, false), user(12, true), user(2, true)];
    expect(filterUsers(list, ' USER1 ').map((u) => u.username)).toEqual(['user12', 'user11']);
    expect(list.map((u) => u.username)).toEqual(['user11', 'user12', 'user2']);
  });
});
