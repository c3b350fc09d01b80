import type { components } from '@lcm/api-types';
import { data, type Connection } from './client';
import { CliError, usage } from './errors';

export type Instance = components['schemas']['InstanceDto'];
export type Worker = components['schemas']['WorkerDto'];
export type WorkerCapacity = components['schemas']['WorkerCapacityDto'];
export type PortAllocation = components['schemas']['PortAllocationDto'];
export type Definition = components['schemas']['DefinitionDto'];
export type Template = components['schemas']['TemplateDto'];
export type AuditEvent = components['schemas']['AuditEventDto'];
export type CapacityForecast = components['schemas']['CapacityForecastDto'];
export type InstanceState = Instance['state'];

/** Resource kinds as typed on the command line (kubectl accepts singular, plural and short forms). */
const KINDS = {
  instances: ['instance', 'instances', 'inst', 'i'],
  workers: ['worker', 'workers', 'w'],
  definitions: ['definition', 'definitions', 'def', 'defs'],
  templates: ['template', 'templates', 'tpl'],
  events: ['event', 'events', 'ev'],
} as const;
export type Kind = keyof typeof KINDS;

export function kindOf(
  word: string,
  allowed: readonly Kind[] = Object.keys(KINDS) as Kind[],
): Kind {
  const kind = (Object.keys(KINDS) as Kind[]).find((k) =>
    (KINDS[k] as readonly string[]).includes(word.toLowerCase()),
  );
  if (!kind || !allowed.includes(kind))
    throw usage(
      `unknown resource type "${word}": use one of ${allowed.join(', ')}`,
    );
  return kind;
}

const PAGE = 500;

/** Every page of a list (the api pages by cursor). */
export async function all<T>(
  page: (
    cursor: string | undefined,
  ) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const result = await page(cursor);
    items.push(...result.items);
    cursor = result.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return items;
}

export interface InstanceFilter {
  state?: string;
  definition?: string;
  worker?: string;
  owner?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Instances matching the filters; a definition is a version id or a name (every version of it). */
export async function listInstances(
  c: Connection,
  filter: InstanceFilter,
): Promise<Instance[]> {
  const byId = filter.definition !== undefined && UUID.test(filter.definition);
  const items = await all((cursor) =>
    data(
      c.client.GET('/api/v1/instances', {
        params: {
          query: {
            limit: PAGE,
            cursor,
            state: filter.state as InstanceState | undefined,
            workerId: filter.worker,
            ownerId: filter.owner,
            definitionId: byId ? filter.definition : undefined,
          },
        },
      }),
    ),
  );
  return filter.definition !== undefined && !byId
    ? items.filter((i) => i.definitionName === filter.definition)
    : items;
}

export async function getInstance(
  c: Connection,
  id: string,
): Promise<Instance> {
  return data(
    c.client.GET('/api/v1/instances/{id}', { params: { path: { id } } }),
  );
}

export function listWorkers(c: Connection): Promise<Worker[]> {
  return all((cursor) =>
    data(
      c.client.GET('/api/v1/workers', {
        params: { query: { limit: PAGE, cursor } },
      }),
    ),
  );
}

export function getWorker(c: Connection, id: string): Promise<Worker> {
  return data(
    c.client.GET('/api/v1/workers/{id}', { params: { path: { id } } }),
  );
}

export function workerCapacity(
  c: Connection,
  id: string,
): Promise<WorkerCapacity> {
  return data(
    c.client.GET('/api/v1/workers/{id}/capacity', { params: { path: { id } } }),
  );
}

export function workerPorts(
  c: Connection,
  id: string,
): Promise<PortAllocation[]> {
  return data(
    c.client.GET('/api/v1/workers/{id}/ports', { params: { path: { id } } }),
  );
}

export function listDefinitions(
  c: Connection,
  name?: string,
): Promise<Definition[]> {
  return all((cursor) =>
    data(
      c.client.GET('/api/v1/definitions', {
        params: { query: { limit: PAGE, cursor, name } },
      }),
    ),
  );
}

export function listTemplates(c: Connection): Promise<Template[]> {
  return all((cursor) =>
    data(
      c.client.GET('/api/v1/templates', {
        params: { query: { limit: PAGE, cursor } },
      }),
    ),
  );
}

export interface ForecastQuery {
  from?: string;
  to?: string;
  /** Minutes. */
  step?: number;
}

/** `GET /api/v1/capacity/forecast`: per step, booked demand, workers per template, free room, bookings at risk. */
export async function capacityForecast(
  c: Connection,
  query: ForecastQuery,
): Promise<CapacityForecast> {
  return data(c.client.GET('/api/v1/capacity/forecast', { params: { query } }));
}

export interface AuditQuery {
  type?: string;
  subject?: string;
  source?: string;
  from?: string;
  to?: string;
  limit?: number;
}

export async function auditEvents(
  c: Connection,
  query: AuditQuery,
): Promise<AuditEvent[]> {
  const page = await data(
    c.client.GET('/api/v1/audit/events', {
      params: { query: { ...query, limit: query.limit ?? 50 } },
    }),
  );
  return page.items;
}

/** `NAME` or `NAME@VERSION` -> the definition version to reserve (the latest non-deprecated when no version). */
export async function resolveDefinition(
  c: Connection,
  reference: string,
): Promise<Definition> {
  const [name, version, extra] = reference.split('@');
  if (!name || extra !== undefined || version === '')
    throw usage(`definition must be NAME or NAME@VERSION, got "${reference}"`);
  if (UUID.test(name) && version === undefined)
    return data(
      c.client.GET('/api/v1/definitions/{id}', {
        params: { path: { id: name } },
      }),
    );
  const versions = await listDefinitions(c, name);
  if (versions.length === 0)
    throw new CliError(
      `no definition named "${name}" (lcmctl get definitions lists them)`,
    );
  const found =
    version !== undefined
      ? versions.find((d) => d.version === version)
      : versions.find((d) => !d.deprecated);
  if (!found)
    throw new CliError(
      version !== undefined
        ? `definition "${name}" has no version ${version} (it has ${versions.map((d) => d.version).join(', ')})`
        : `every version of "${name}" is deprecated`,
    );
  return found;
}
