import type { APIRequestContext } from '@playwright/test';
import { connectCall, endedNotice, type OpenOptions, type Tab } from '../helpers/app';
import { expect, landElsewhere, nextConnectionId, nodeNamed, nodeOf, test } from '../helpers/cluster';
import { connectionInfo, expectFramesAdvancing, expectMediaFlowing } from '../helpers/media';
import { countPeerConnections, peerConnectionCount } from '../helpers/peerConnections';
import { recordSignaling, type SignalingLog } from '../helpers/signaling';
import { CLUSTER_NODE_DEAD_AFTER_MS, CLUSTER_RECONNECT_GRACE_MS } from '../helpers/timing';
import type { TestUser } from '../helpers/users';

interface Side {
  tab: Tab;
  signaling: SignalingLog;
  /** The cluster name of the node its signaling socket is on. */
  node: string;
}

type Open = (user: TestUser, options?: OpenOptions) => Promise<Tab>;

async function openRecorded(open: Open, user: TestUser): Promise<{ tab: Tab; signaling: SignalingLog }> {
  let signaling: SignalingLog | undefined;
  const tab = await open(user, {
    setup: async (context) => {
      await countPeerConnections(context);
      signaling = recordSignaling(context);
    },
  });
  return { tab, signaling: signaling! };
}

test.describe('a call across two nodes behind nginx', () => {
  /** alice's and bob's pages both on nginx's address, their sockets on different nodes; alice calls bob. */
  async function callAcrossNodes({ newUser, open, request }: { newUser: (p: string) => Promise<TestUser>; open: Open; request: APIRequestContext }) {
    const a = await openRecorded(open, await newUser('alice'));
    const aliceNode = nodeOf(await nextConnectionId(a.signaling));
    const b = await openRecorded(open, await newUser('bob'));
    const bobNode = nodeOf(await landElsewhere(b.tab, b.signaling, aliceNode, request));
    const alice: Side = { ...a, node: aliceNode };
    const bob: Side = { ...b, node: bobNode };
    console.log(`alice on node ${alice.node}, bob on node ${bob.node}`);
    await connectCall(alice.tab, bob.tab, 'across nodes');
    await expectMediaFlowing(alice.tab.page);
    await expectMediaFlowing(bob.tab.page);
    return { alice, bob };
  }

  test('kill -9 of alice’s node mid-call: the picture never stops, her tab rejoins through nginx on the other node, the call goes on', async ({
    cluster,
    newUser,
    open,
    request,
  }) => {
    const { alice, bob } = await callAcrossNodes({ newUser, open, request });
    const before = await Promise.all([connectionInfo(alice.tab.page), connectionInfo(bob.tab.page)]);
    const socketsBefore = alice.signaling.connectionIds.length;

    const killed = nodeNamed(cluster, alice.node);
    await killed.kill();
    const killedAt = Date.now();

    // The media is peer to peer: through alice's reconnect, the other node declaring hers dead and a whole grace
    // period after that, remote frames keep being decoded on both sides, sampled every second.
    const [again] = await Promise.all([
      nextConnectionId(alice.signaling, socketsBefore).then((id) => {
        console.log(`alice's tab said hello again ${Date.now() - killedAt} ms after the kill`);
        return id;
      }),
      expectFramesAdvancing([alice.tab, bob.tab], CLUSTER_NODE_DEAD_AFTER_MS + CLUSTER_RECONNECT_GRACE_MS + 3_000, 1_000),
    ]);
    console.log(`frames advanced on both sides for ${Date.now() - killedAt} ms after the kill`);

    // alice's tab came back through nginx, on the surviving node, and rejoined the call there.
    expect(nodeOf(again)).toBe(bob.node);
    expect(alice.signaling.count('call:rejoined')).toBeGreaterThanOrEqual(1);
    await expect(alice.tab.page.getByTestId('in-call')).toHaveAttribute('data-link', 'ok', { timeout: 15_000 });
    await expect(bob.tab.page.getByTestId('in-call')).toHaveAttribute('data-link', 'ok', { timeout: 15_000 });
    await expect(alice.tab.page.getByTestId('in-call')).toHaveAttribute('data-phase', 'connected');
    await expect(bob.tab.page.getByTestId('in-call')).toHaveAttribute('data-phase', 'connected');
    // Nobody saw the call end, and it is the same peer connection on each side, not restarted.
    expect(alice.signaling.count('call:ended') + bob.signaling.count('call:ended')).toBe(0);
    await expect(endedNotice(bob.tab.page)).toBeHidden();
    expect(await peerConnectionCount(alice.tab.page)).toBe(1);
    expect(await peerConnectionCount(bob.tab.page)).toBe(1);
    const after = await Promise.all([connectionInfo(alice.tab.page), connectionInfo(bob.tab.page)]);
    for (const [i, info] of after.entries()) {
      expect(info).toEqual({ signalingState: 'stable', connectionState: 'connected', localIceUfrag: before[i]!.localIceUfrag });
    }
    await expectMediaFlowing(alice.tab.page);
    await expectMediaFlowing(bob.tab.page);

    // Still one call: alice hangs up on the surviving node and bob sees it, once.
    await alice.tab.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(endedNotice(bob.tab.page)).toContainText('hung up');
    await expect.poll(() => bob.signaling.count('call:ended')).toBe(1);
  });

  test('closing alice’s page instead ends the call for bob as connection lost, once, after the grace', async ({ newUser, open, request }) => {
    const { alice, bob } = await callAcrossNodes({ newUser, open, request });
    const closedAt = Date.now();
    await alice.tab.context.close();

    await expect(bob.tab.page.getByTestId('reconnecting')).toContainText(`${alice.tab.user.username}’s connection dropped`, { timeout: 15_000 });
    await expect(endedNotice(bob.tab.page)).toContainText(`The call with ${alice.tab.user.username} ended: connection lost.`, {
      timeout: CLUSTER_RECONNECT_GRACE_MS + 30_000,
    });
    const endedAfter = Date.now() - closedAt;
    console.log(`bob saw the call end ${endedAfter} ms after alice's page closed (grace ${CLUSTER_RECONNECT_GRACE_MS} ms)`);
    expect(endedAfter).toBeGreaterThanOrEqual(CLUSTER_RECONNECT_GRACE_MS);
    expect(bob.signaling.count('call:ended')).toBe(1);
    // Both nodes sweep deadlines: give a second ending every chance to arrive, then check there was none.
    await bob.tab.page.waitForTimeout(3_000);
    expect(bob.signaling.count('call:ended')).toBe(1);
    await expect(endedNotice(bob.tab.page)).toHaveCount(1);
  });
});
