/**
 * `map.set(key, value)`, first dropping the oldest entry (insertion order) when the map already holds `maxEntries`:
 * a cache that cannot grow without bound, for keys an attacker cannot mint at will.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, maxEntries: number): void {
  if (map.size >= maxEntries && !map.has(key)) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
