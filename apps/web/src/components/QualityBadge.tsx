import type { Quality } from '../rtc/quality';
import { useT } from '../i18n';
import { useA11y } from '../i18n/a11y';

export function QualityBadge({ quality }: { quality: Quality | null }) {
  const t = useT();
  const a11y = useA11y();
  const level = quality ?? 'unknown';
  return (
    <span className={`quality quality-${level}`} data-testid="quality" data-quality={level} role="status" aria-label={a11y.quality(level)}>
      <span className="quality-bars" aria-hidden="true">
        <i />
        <i />
        <i />
      </span>
      <span className="hide-narrow">{t(`call.quality.${level}`)}</span>
    </span>
  );
}
