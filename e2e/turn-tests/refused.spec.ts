import { expect, test } from '../helpers/fixtures';
import { expectMediaFailureOnBothSides } from '../helpers/mediaFailure';

// Server B: relay-only ICE with credentials minted from a wrong secret. coturn answers every allocation with 401, so
// no candidate can be gathered and media can never connect (playwright.turn.config.ts).

test('a relay that refuses the credentials ends the call clearly on both sides, in each one’s language', async ({ newUser, open }) => {
  const alice = await open(await newUser('alice'));
  const bob = await open(await newUser('bob'), { locale: 'ru-RU' });
  // Gathering ends without a candidate within a second: neither side waits for the 12 s bound.
  expect(await expectMediaFailureOnBothSides(alice, bob, 'credentials refused')).toBeLessThan(8_000);
});
