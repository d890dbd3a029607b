import { expect, test } from '../helpers/fixtures';
import { expectMediaFailureOnBothSides } from '../helpers/mediaFailure';

// Server C: relay-only ICE through a coturn that accepts the credentials and allocates relay candidates, but relays
// to no peer address. Candidates are gathered and exchanged, and every pair fails (playwright.turn.config.ts).

test('a relay that lets us in but blocks the media ends the call clearly on both sides', async ({ newUser, open }) => {
  const alice = await open(await newUser('alice'));
  const bob = await open(await newUser('bob'), { locale: 'ru-RU' });
  // ICE reports failed almost at once; the watchdog gives it a 3 s grace, still well under the 12 s bound.
  expect(await expectMediaFailureOnBothSides(alice, bob, 'peers blocked')).toBeLessThan(10_000);
});
