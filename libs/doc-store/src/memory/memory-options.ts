import type { RepositoryOptions } from '../repository-options';

export interface MemoryRepositoryOptions extends RepositoryOptions {
  /** Persist to this JSON file (the embedded default's data directory); loaded at construction. */
  filePath?: string;
}
