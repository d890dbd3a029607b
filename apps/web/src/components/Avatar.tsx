/** Initials on a colour derived from the name, so a person keeps their colour everywhere. */
export function Avatar({ name, size = 'md' }: { name: string; size?: 'sm' | 'md' | 'lg' | 'xl' }) {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  const hue = hash % 360;
  const initials = name.replace(/[^\p{L}\p{N}]/gu, '').slice(0, 2).toUpperCase() || '?';
  return (
    <span className={`avatar avatar-${size}`} aria-hidden="true" style={{ ['--hue' as string]: hue }}>
      {initials}
    </span>
  );
}
