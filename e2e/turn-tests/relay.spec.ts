import { connectCall, endedNotice, type Tab } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';
import { connectionInfo, expectMediaFlowing, iceUsernames, restartIce, selectedPair, type SelectedPair } from '../helpers/media';

// Server A: relay-only ICE with credentials coturn accepts (playwright.turn.config.ts).

/** Waits until this side sends media over a relay candidate pair on both ends, and returns the pair. */
async function expectRelayed(tab: Tab): Promise<SelectedPair> {
  let pair: SelectedPair | null = null;
  await expect
    .poll(
      async () => {
        pair = await selectedPair(tab.page);
        return pair && { local: pair.local, remote: pair.remote };
      },
      { message: `${tab.user.username}: selected candidate pair is relay ↔ relay`, timeout: 10_000 },
    )
    .toEqual({ local: 'relay', remote: 'relay' });
  return pair!;
}

test('a relay-only call connects through TURN: relay candidates on both sides, video and audio both ways', async ({ newUser, open }) => {
  const alice = await open(await newUser('alice'));
  const bob = await open(await newUser('bob'));
  await connectCall(alice, bob, 'relay only');

  for (const tab of [alice, bob]) {
    const pair = await expectRelayed(tab);
    console.log(`${tab.user.username}: selected pair ${JSON.stringify(pair)}`);
    expect(['udp', 'tcp']).toContain(pair.relayProtocol);
  }
  await expectMediaFlowing(alice.page);
  await expectMediaFlowing(bob.page);

  await alice.page.getByRole('button', { name: 'Hang up' }).click();
  await expect(endedNotice(bob.page)).toContainText('hung up');
});

test('an ICE restart takes fresh TURN credentials when the cached ones expire within a minute, and stays relayed', async ({
  newUser,
  open,
}) => {
  const alice = await open(await newUser('alice'));
  const bob = await open(await newUser('bob'));
  await connectCall(alice, bob, 'relay only');
  await expectRelayed(alice);
  const before = await iceUsernames(alice.page);
  const ufragBefore = (await connectionInfo(alice.page))?.localIceUfrag;
  expect(before).toHaveLength(1);
  // TURN usernames are `<expiry-unix>:<userId>`: wait for the clock to pass a second so fresh ones differ.
  await alice.page.waitForTimeout(1_100);

  // The server's TURN_TTL_SECONDS is 60: the cached credentials always expire within a minute.
  await restartIce(alice.page);

  await expect
    .poll(async () => {
      const info = await connectionInfo(alice.page);
      return !!info && info.connectionState === 'connected' && info.signalingState === 'stable' && info.localIceUfrag !== ufragBefore;
    }, { message: 'alice renegotiated with new ICE credentials', timeout: 15_000 })
    .toBe(true);
  const after = await iceUsernames(alice.page);
  console.log(`TURN username before the restart ${before[0]}, after ${after[0]}`);
  expect(after).toHaveLength(1);
  expect(Number(after[0]!.split(':')[0])).toBeGreaterThan(Number(before[0]!.split(':')[0]));
  for (const tab of [alice, bob]) await expectRelayed(tab);
  await expectMediaFlowing(alice.page);
  await expectMediaFlowing(bob.page);
});
