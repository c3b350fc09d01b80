import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * One collection of the memory driver persisted as a JSON file, so the embedded default survives a
 * restart. Writes are atomic (temp file, fsync, rename: a crash leaves the old or the new file,
 * never half of one) and coalesced: while one write runs, later requests share the next write.
 */
export class JsonFile {
  private flushing: Promise<void> | null = null;
  private dirty = false;

  constructor(
    readonly path: string,
    private readonly snapshot: () => unknown,
  ) {
    mkdirSync(dirname(path), { recursive: true });
  }

  /** The stored value, or undefined when there is no file yet. A corrupt file is an error, not an empty store. */
  read(): unknown {
    if (!existsSync(this.path)) return undefined;
    const text = readFileSync(this.path, 'utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new Error(`doc-store: ${this.path} is not valid JSON (${(error as Error).message}); move it away to start empty`);
    }
  }

  /** Resolves once a snapshot taken after this call is on disk. */
  save(): Promise<void> {
    this.dirty = true;
    this.flushing ??= this.flush();
    return this.flushing;
  }

  /** Waits for pending writes (used on close). */
  async settle(): Promise<void> {
    while (this.flushing !== null) await this.flushing.catch(() => undefined);
  }

  private async flush(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        await writeAtomically(this.path, JSON.stringify(this.snapshot()));
      }
    } finally {
      // Synchronously after the last check of `dirty`: a save() from now on starts a new flush.
      this.flushing = null;
    }
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
