/**
 * Event patterns for @EventPattern: an exact CloudEvent type, or a prefix ending in `*` that matches
 * any type starting with it (`lcm.lablet.instance.*` matches `lcm.lablet.instance.grading.completed`),
 * or `*` alone for every event.
 */
export function matchesEventPattern(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}
