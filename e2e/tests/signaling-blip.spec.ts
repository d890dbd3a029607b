import { connectCall, endedNotice } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';
import { connectionInfo, expectFramesAdvancing, expectMediaFlowing } from '../helpers/media';
import { countPeerConnections, peerConnectionCount } from '../helpers/peerConnections';
import { routeSignaling, type SignalingRoute } from '../helpers/signaling';

const CUT_MS = 3_000;

test('cutting only the WebSocket for 3 s mid-call keeps the same peer connections and the picture on both sides', async ({
  newUser,
  open,
}) => {
  test.setTimeout(90_000);
  let bobSignaling: SignalingRoute | undefined;
  const alice = await open(await newUser('alice'), { setup: countPeerConnections });
  const bob = await open(await newUser('bob'), {
    setup: async (context) => {
      await countPeerConnections(context);
      bobSignaling = await routeSignaling(context);
    },
  });
  await connectCall(alice, bob);
  await expectMediaFlowing(alice.page);
  await expectMediaFlowing(bob.page);
  const before = await Promise.all([connectionInfo(alice.page), connectionInfo(bob.page)]);
  expect(await peerConnectionCount(alice.page)).toBe(1);
  expect(await peerConnectionCount(bob.page)).toBe(1);

  await bobSignaling!.cut(CUT_MS);
  // Both sides see the socket is down…
  await expect(bob.page.getByTestId('reconnecting')).toContainText('Your connection dropped');
  await expect(alice.page.getByTestId('reconnecting')).toContainText(`${bob.user.username}’s connection dropped`);
  // …and the picture keeps coming on both, all through the cut.
  await expectFramesAdvancing([alice, bob], CUT_MS - 1_000);

  // Back within the grace: the banners go, the media goes on.
  await expect(bob.page.getByTestId('in-call')).toHaveAttribute('data-link', 'ok', { timeout: 15_000 });
  await expect(alice.page.getByTestId('in-call')).toHaveAttribute('data-link', 'ok');
  await expectFramesAdvancing([alice, bob], 2_000);
  await expectMediaFlowing(alice.page);
  await expectMediaFlowing(bob.page);

  // The same RTCPeerConnection on each side, not restarted: same local ICE credentials, stable, connected.
  expect(await peerConnectionCount(alice.page)).toBe(1);
  expect(await peerConnectionCount(bob.page)).toBe(1);
  const after = await Promise.all([connectionInfo(alice.page), connectionInfo(bob.page)]);
  for (const [i, info] of after.entries()) {
    expect(info).toEqual({ signalingState: 'stable', connectionState: 'connected', localIceUfrag: before[i]!.localIceUfrag });
  }

  // The call is still the same call: hanging up ends it for both.
  await alice.page.getByRole('button', { name: 'Hang up' }).click();
  await expect(endedNotice(bob.page)).toContainText('hung up');
});
