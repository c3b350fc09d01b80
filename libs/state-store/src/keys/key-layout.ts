/**
 * The one place that knows LCM's etcd key layout (ARCHITECTURE.md section 2). Prefix configurable
 * (default `/lcm`); every other module asks this class for keys.
 *
 *   {p}/instances/{id}/state      instance record
 *   {p}/instances/{id}/worker     assigned worker id (written with the SCHEDULED transition)
 *   {p}/workers/{id}/state        worker record
 *   {p}/workers/{id}/capacity     declared and allocated capacity
 *   {p}/workers/{id}/ports        port allocations: instance id -> {name: port}
 *   {p}/{service}/leader          leader election key (lease-bound)
 *   {p}/events/{id}               CloudEvents outbox
 *   {p}/consumers/{name}          a consumer's cursor
 *   {p}/events-processed/{source}/{id}   dedup marker for consumed external events (lease, 24 h)
 *   {p}/dead-letters/{consumer}/{id}     events a consumer gave up on
 */
export type InstanceKeyPart = 'state' | 'worker';
export type WorkerKeyPart = 'state' | 'capacity' | 'ports';

export class KeyLayout {
  readonly prefix: string;

  constructor(prefix = '/lcm') {
    if (!/^\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(prefix)) {
      throw new Error(
        `invalid etcd key prefix "${prefix}": expected /segment[/segment...]`,
      );
    }
    this.prefix = prefix;
  }

  get instancesPrefix(): string {
    return `${this.prefix}/instances/`;
  }
  instance(id: string, part: InstanceKeyPart = 'state'): string {
    return `${this.instancesPrefix}${segment(id)}/${part}`;
  }
  get workersPrefix(): string {
    return `${this.prefix}/workers/`;
  }
  worker(id: string, part: WorkerKeyPart = 'state'): string {
    return `${this.workersPrefix}${segment(id)}/${part}`;
  }
  leader(service: string): string {
    return `${this.prefix}/${segment(service)}/leader`;
  }
  get eventsPrefix(): string {
    return `${this.prefix}/events/`;
  }
  event(id: string): string {
    return `${this.eventsPrefix}${segment(id)}`;
  }
  get consumersPrefix(): string {
    return `${this.prefix}/consumers/`;
  }
  consumer(name: string): string {
    return `${this.consumersPrefix}${segment(name)}`;
  }
  processed(source: string, id: string): string {
    return `${this.prefix}/events-processed/${encodeURIComponent(source)}/${encodeURIComponent(id)}`;
  }
  deadLetter(consumer: string, id: string): string {
    return `${this.prefix}/dead-letters/${segment(consumer)}/${segment(id)}`;
  }

  /** Parses `{p}/instances/{id}/{part}` or `{p}/workers/{id}/{part}`; undefined for other keys. */
  parse(
    key: string,
  ):
    | { kind: 'instance'; id: string; part: InstanceKeyPart }
    | { kind: 'worker'; id: string; part: WorkerKeyPart }
    | undefined {
    for (const [kind, base, parts] of [
      ['instance', this.instancesPrefix, ['state', 'worker']],
      ['worker', this.workersPrefix, ['state', 'capacity', 'ports']],
    ] as const) {
      if (!key.startsWith(base)) continue;
      const rest = key.slice(base.length).split('/');
      if (rest.length === 2 && (parts as readonly string[]).includes(rest[1])) {
        return { kind, id: rest[0], part: rest[1] } as never;
      }
    }
    return undefined;
  }
}

/** Ids become one key segment: no slash, nothing empty. */
function segment(id: string): string {
  if (!id || id.includes('/')) throw new Error(`invalid key segment "${id}"`);
  return id;
}
