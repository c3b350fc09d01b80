import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { SimulatedFleetSnapshot } from './fleet-snapshot';
import type { SimulatedFleet } from './simulated-fleet';

/** The snapshot saved at `path`, or undefined when there is no file yet. Throws on unreadable JSON. */
export function readFleetStateFile(
  path: string,
): SimulatedFleetSnapshot | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as SimulatedFleetSnapshot;
}

export interface FleetStateFileOptions {
  /** How often to save when the fleet changed (default 1 s); 0 saves only on demand. */
  intervalMs?: number;
}

/**
 * Keeps a simulated fleet on disk so the data plane survives a restart of its process (the
 * simulated cloud, or the embedded default): saves the snapshot atomically (write, then rename)
 * whenever the fleet's revision moved, periodically and on `save()`/`stop()`. Load it back with
 * `createSimulatedFleet({ snapshot: readFleetStateFile(path) })`.
 */
export class FleetStateFile {
  private savedRevision = -1;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly fleet: SimulatedFleet,
    readonly path: string,
    private readonly options: FleetStateFileOptions = {},
  ) {}

  /** Starts the periodic save (the timer does not keep the process alive). */
  start(): this {
    const interval = this.options.intervalMs ?? 1_000;
    if (interval > 0 && !this.timer) {
      this.timer = setInterval(() => this.save(), interval);
      this.timer.unref();
    }
    return this;
  }

  /** Writes the snapshot if the fleet changed since the last save; true when it wrote. */
  save(): boolean {
    const revision = this.fleet.revision;
    if (revision === this.savedRevision && existsSync(this.path)) return false;
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.fleet.snapshot()));
    renameSync(tmp, this.path);
    this.savedRevision = revision;
    return true;
  }

  /** Stops the timer and saves a last time. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.save();
  }
}
