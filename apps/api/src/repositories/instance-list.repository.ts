import { Inject, Injectable } from '@nestjs/common';
import type { LabletInstance } from '@lcm/domain';
import { STATE_STORE } from '@lcm/runtime';
import { InstanceStore, KeyLayout, StateStore, Versioned } from '@lcm/state-store';

/**
 * Every instance record, read from etcd at one revision (lists stay strongly consistent). A record
 * whose mod revision has not changed since the last list is not parsed and validated again: that
 * decoding, not the range read, is most of a list's cost.
 */
@Injectable()
export class InstanceListRepository {
  private decoded = new Map<string, Versioned<LabletInstance>>();

  constructor(
    @Inject(STATE_STORE) private readonly store: StateStore,
    private readonly keys: KeyLayout,
    private readonly instances: InstanceStore,
  ) {}

  async list(): Promise<Versioned<LabletInstance>[]> {
    const { kvs } = await this.store.list(this.keys.instancesPrefix);
    const next = new Map<string, Versioned<LabletInstance>>();
    for (const kv of kvs) {
      const known = this.decoded.get(kv.key);
      const record = known !== undefined && known.revision === kv.modRevision ? known : this.instances.decodeKey(kv);
      if (record) next.set(kv.key, record);
    }
    // Keys that are gone are forgotten with the old map.
    this.decoded = next;
    return [...next.values()];
  }
}
