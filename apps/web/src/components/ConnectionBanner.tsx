import { useEffect, useState } from 'react';
import { useT } from '../i18n';
import { signaling, type SignalingStatus } from '../signaling/client';

/** Shown outside calls when the socket has been down for a moment (calls have their own banner). */
export function ConnectionBanner() {
  const t = useT();
  const [status, setStatus] = useState<SignalingStatus>(signaling.status);
  const [visible, setVisible] = useState(false);

  useEffect(() => signaling.onStatus(setStatus), []);

  const down = status.state === 'waiting' || (status.state === 'connecting' && status.attempt > 0);
  useEffect(() => {
    // A quick reconnect should not flash a banner.
    if (!down) {
      setVisible(false);
      return;
    }
    const timer = setTimeout(() => setVisible(true), 1500);
    return () => clearTimeout(timer);
  }, [down]);

  if (!visible) return null;
  const offline = status.state === 'waiting' && status.reason === 'offline';
  return (
    <div className="banner banner-warn" role="status">
      {offline ? t('status.offline') : t('status.signalingDown')}
    </div>
  );
}
