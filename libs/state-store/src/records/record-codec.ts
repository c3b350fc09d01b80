import { errorMessage } from '@lcm/domain';
import { KeyValue } from '../port/state-store';
import { StoreObserver } from '../observability/store-observer';

/** A record as read, with the mod revision to compare when writing it back. */
export interface Versioned<T> {
  value: T;
  revision: number;
}

/**
 * Reads one kind of JSON record and validates it with the domain's parser. A corrupt or unknown
 * value (bad JSON, wrong schema version, missing fields) is logged, counted and skipped, never a crash.
 */
export class RecordCodec<T> {
  constructor(
    readonly kind: string,
    private readonly parse: (value: unknown) => T,
    private readonly observer?: StoreObserver,
  ) {}

  decode(kv: KeyValue): Versioned<T> | undefined {
    try {
      return {
        value: this.parse(JSON.parse(kv.value)),
        revision: kv.modRevision,
      };
    } catch (error) {
      this.observer?.corruptValue(this.kind, kv.key, errorMessage(error));
      return undefined;
    }
  }
}
