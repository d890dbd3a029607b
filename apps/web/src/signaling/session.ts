import { usersApi } from '../api/endpoints';
import { logout, useSessionStore, type SessionState } from '../stores/session';
import { signaling } from './client';

let bound = false;

/** Keep the socket in step with the session: open with the token while logged in, closed otherwise. */
export function bindSignalingToSession(): void {
  if (bound) return;
  bound = true;
  signaling.setHooks({
    onTokenExpired: () => void logout({ expired: true }),
    // A refused upgrade looks like any network failure from the browser; ask the API whether the token is still good
    // (a 401 there logs us out through the API's unauthorized hook, which stops the socket).
    onUpgradeRefused: () => {
      void usersApi.me().catch(() => undefined);
    },
  });
  const follow = (state: SessionState) => {
    if (state.status === 'authenticated') signaling.start(state.token);
    else signaling.stop();
  };
  follow(useSessionStore.getState());
  useSessionStore.subscribe(follow);
}
