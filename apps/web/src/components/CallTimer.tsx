import { useEffect, useState } from 'react';
import { useA11y } from '../i18n/a11y';
import { formatDuration } from '../i18n/callText';

export function CallTimer({ since }: { since: number }) {
  const a11y = useA11y();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <span className="call-timer tabular" role="timer" aria-label={a11y.callDuration} data-testid="call-timer">
      {formatDuration(now - since)}
    </span>
  );
}
