import type { InstanceStore, OutboxEvent } from '@lcm/state-store';

/** How many instance owners one stream remembers before it starts over (a bound, not a cache policy). */
const MAX_REMEMBERED_OWNERS = 10_000;

/**
 * What a caller who may only see its own instances (the `user` role) receives on the event stream:
 * instance events of instances it owns, nothing else (no fleet, definition or other owners' events).
 * The owner comes from the event when it carries one (`pending` does), else from the instance record,
 * remembered for the life of the stream.
 */
export class OwnEventsFilter {
  private readonly owners = new Map<string, string | null>();

  constructor(
    private readonly subject: string,
    private readonly instances: Pick<InstanceStore, 'get'>,
  ) {}

  async keep(events: OutboxEvent[]): Promise<OutboxEvent[]> {
    const kept: OutboxEvent[] = [];
    for (const event of events) {
      if (!event.type.startsWith('lcm.lablet.instance.') || !event.subject)
        continue;
      if ((await this.ownerOf(event.subject, event.data)) === this.subject)
        kept.push(event);
    }
    return kept;
  }

  private async ownerOf(
    instanceId: string,
    data: unknown,
  ): Promise<string | null> {
    const carried = (data as { ownerId?: unknown } | null)?.ownerId;
    if (typeof carried === 'string') return this.remember(instanceId, carried);
    const known = this.owners.get(instanceId);
    if (known !== undefined) return known;
    const found = await this.instances.get(instanceId);
    // An instance already removed is not remembered as ownerless: its owner may still be learnt from a later event.
    return found ? this.remember(instanceId, found.value.ownerId) : null;
  }

  private remember(instanceId: string, owner: string): string {
    if (this.owners.size >= MAX_REMEMBERED_OWNERS) this.owners.clear();
    this.owners.set(instanceId, owner);
    return owner;
  }
}
