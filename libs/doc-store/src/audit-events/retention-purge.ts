import type { DocStoreLogger } from '../logger';
import type { AuditEventRepository } from './audit-event.repository';

/** Default interval of the retention purge where no TTL index does the work. */
export const DEFAULT_PURGE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Runs purgeExpired now and then every `intervalMs` (an unref'd timer: it never keeps a process
 * alive). Stands in for MongoDB's TTL monitor on the memory driver and on FerretDB.
 */
export function startRetentionPurge(
  repository: AuditEventRepository,
  intervalMs: number,
  logger: DocStoreLogger,
): () => void {
  const run = (): void => {
    repository.purgeExpired().then(
      (removed) =>
        removed > 0 &&
        logger.log(
          `doc-store: retention purge removed ${removed} audit events`,
        ),
      (error: unknown) =>
        logger.warn(
          `doc-store: retention purge failed: ${(error as Error).message}`,
        ),
    );
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
