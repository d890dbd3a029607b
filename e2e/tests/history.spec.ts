import { LIMITS } from '@parley/protocol';
import { expect, test } from '../helpers/fixtures';

test.describe('recent calls', () => {
  test('a page of older calls that fails to load says so, and loads when asked again', async ({ newUser, open, request }) => {
    const alice = await newUser('alice');
    const bob = await newUser('bob');
    // One call more than a page, placed and cancelled over the API (Bob need not be online to be rung).
    const login = await request.post('/api/v1/auth/login', { data: { username: alice.username, password: alice.password } });
    expect(login.status(), await login.text()).toBe(200);
    const headers = { authorization: `Bearer ${((await login.json()) as { accessToken: string }).accessToken}` };
    const calls = LIMITS.historyDefaultLimit + 1;
    for (let i = 0; i < calls; i++) {
      const created = await request.post('/api/v1/calls', { headers, data: { calleeId: bob.id } });
      expect(created.status(), await created.text()).toBe(201);
      const { callId } = (await created.json()) as { callId: string };
      const ended = await request.post(`/api/v1/calls/${callId}/end`, { headers });
      expect(ended.status(), await ended.text()).toBe(200);
    }

    const tab = await open(alice);
    await tab.page.getByRole('button', { name: 'Recent calls' }).click();
    const rows = tab.page.getByTestId('history-row');
    await expect(rows).toHaveCount(LIMITS.historyDefaultLimit);

    // The next page does not come (the network drops the request): the list stays, and the user is told.
    const olderPage = (url: URL) => url.pathname === '/api/v1/calls' && url.searchParams.has('before');
    await tab.page.route(olderPage, (route) => route.abort('connectionreset'));
    await tab.page.getByRole('button', { name: 'Show older calls' }).click();
    await expect(tab.page.getByRole('alert')).toHaveText('Cannot reach the server. Check your connection.');
    await expect(rows).toHaveCount(LIMITS.historyDefaultLimit);

    // Asked again with the network back: the oldest call appears and the error goes away.
    await tab.page.unroute(olderPage);
    await tab.page.getByRole('button', { name: 'Show older calls' }).click();
    await expect(rows).toHaveCount(calls);
    await expect(tab.page.getByRole('alert')).toHaveCount(0);
  });
});
