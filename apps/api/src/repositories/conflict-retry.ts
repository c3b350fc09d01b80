import { Conflict } from '@lcm/domain';

/** How many times a read-decide-commit is re-run after a stale revision before answering 409. */
export const CONFLICT_ATTEMPTS = 5;

/**
 * Optimistic concurrency: `attempt` reads the records, decides with a domain transition and commits
 * against the revisions it read. When another writer got there first (domain Conflict) it runs again
 * on fresh reads; the last Conflict propagates (409).
 */
export async function retryOnConflict<T>(
  attempt: () => Promise<T>,
  attempts = CONFLICT_ATTEMPTS,
): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof Conflict) || i >= attempts) throw error;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.random() * 5 * i),
      );
    }
  }
}
