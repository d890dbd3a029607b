import { useEffect, useState } from 'react';
import { A11Y } from '../i18n/a11y';
import { formatDuration } from '../i18n/callText';

export function CallTimer({ since }: { since: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <span className="call-timer tabular" role="timer" aria-label={A11Y.callDuration} data-testid="call-timer">
      {formatDuration(now - since)}
    </span>
  );
}
