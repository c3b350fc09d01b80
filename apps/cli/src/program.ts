import { errorMessage } from '@lcm/domain';
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { parse } from 'yaml';
import { followEventStream, EventStreamRefused } from '@lcm/sse-client';
import { connect, data, type Connection } from './client';
import {
  configPath,
  type Context,
  readConfig,
  selectContext,
  setContext,
  useContext,
  writeConfig,
} from './config';
import {
  CliError,
  EXIT_FAILURE,
  EXIT_USAGE,
  problemMessage,
  usage,
} from './errors';
import {
  age,
  orNone,
  outputFormat,
  type Out,
  type OutputFormat,
  paint,
  parseDuration,
  parseStart,
  serialise,
  stateColour,
  table,
} from './output';
import { completionScript } from './completion';
import {
  type AuditEvent,
  auditEvents,
  capacityForecast,
  type Definition,
  getInstance,
  getWorker,
  type Instance,
  kindOf,
  listDefinitions,
  listInstances,
  listTemplates,
  listWorkers,
  resolveDefinition,
  type Worker,
  workerCapacity,
  workerPorts,
} from './resources';
import {
  definitionsTable,
  eventsTable,
  forecastTable,
  instancesTable,
  ports,
  reportedLicenseLong,
  templatesTable,
  workersTable,
} from './views';

/** What a run of lcmctl reads and writes: injected so unit tests run it in-process. */
export interface Io {
  out: Out;
  err: Out;
  env: NodeJS.ProcessEnv;
  /** Ends --watch and --follow (Ctrl-C). */
  signal?: AbortSignal;
}

interface GlobalOptions {
  context?: string;
  server?: string;
  token?: string;
  verbose?: boolean;
}

function connection(io: Io, options: GlobalOptions): Connection {
  if (options.server !== undefined)
    return connect({
      name: '(flags)',
      server: options.server.replace(/\/+$/, ''),
      token: options.token ?? io.env['LCM_TOKEN'],
    });
  const path = configPath(io.env);
  const context: Context = selectContext(
    readConfig(path),
    path,
    options.context,
  );
  return connect(
    options.token !== undefined
      ? { ...context, token: options.token, 'token-command': undefined }
      : context,
  );
}

const outputOption = () =>
  new Option(
    '-o, --output <format>',
    'output format: wide, json, yaml or name',
  );

function emit(
  io: Io,
  format: OutputFormat,
  value: unknown,
  names: string[],
  render: () => string,
): void {
  if (format === 'json' || format === 'yaml')
    io.out.write(serialise(format, value));
  else if (format === 'name') io.out.write(names.map((n) => `${n}\n`).join(''));
  else io.out.write(render());
}

/** A list as kubectl prints it: a table, `No resources found.` on stderr when empty. */
function emitList<T>(
  io: Io,
  format: OutputFormat,
  kind: string,
  items: T[],
  name: (item: T) => string,
  render: () => string,
): void {
  if (items.length === 0 && (format === 'table' || format === 'wide')) {
    io.err.write('No resources found.\n');
    return;
  }
  emit(
    io,
    format,
    { items },
    items.map((item) => `${kind}/${name(item)}`),
    render,
  );
}

async function capacities(c: Connection, workers: Worker[]) {
  const live = workers.filter((w) => w.state !== 'terminated');
  return new Map(
    await Promise.all(
      live.map(async (w) => [w.id, await workerCapacity(c, w.id)] as const),
    ),
  );
}

interface GetOptions extends GlobalOptions {
  output?: string;
  watch?: boolean;
  state?: string;
  definition?: string;
  worker?: string;
  owner?: string;
  type?: string;
  subject?: string;
  limit?: string;
}

function limitOf(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 500)
    throw usage(`--limit must be a whole number from 1 to 500, got "${value}"`);
  return n;
}

async function get(io: Io, word: string, options: GetOptions): Promise<void> {
  const kind = kindOf(word);
  const format = outputFormat(options.output);
  const wide = format === 'wide';
  if (
    kind !== 'instances' &&
    (options.state || options.definition || options.worker || options.owner)
  )
    throw usage(
      '--state, --definition, --worker and --owner filter instances only',
    );
  if (kind !== 'events' && (options.type || options.subject))
    throw usage('--type and --subject filter events only');
  if (options.watch && !['instances', 'workers', 'events'].includes(kind))
    throw usage(`--watch works for instances, workers and events, not ${kind}`);
  const c = connection(io, options);
  switch (kind) {
    case 'instances': {
      const items = await listInstances(c, options);
      emitList(
        io,
        format,
        'instance',
        items,
        (i) => i.id,
        () => instancesTable(io.out, items, wide),
      );
      if (options.watch) await watchInstances(io, c, format, options);
      return;
    }
    case 'workers': {
      const items = await listWorkers(c);
      const capacity = wide ? await capacities(c, items) : undefined;
      emitList(
        io,
        format,
        'worker',
        items,
        (w) => w.id,
        () => workersTable(io.out, items, capacity),
      );
      if (options.watch) await watchWorkers(io, c, format, options.verbose);
      return;
    }
    case 'definitions': {
      const items = await listDefinitions(c);
      emitList(
        io,
        format,
        'definition',
        items,
        (d) => `${d.name}@${d.version}`,
        () => definitionsTable(io.out, items, wide),
      );
      return;
    }
    case 'templates': {
      const items = await listTemplates(c);
      emitList(
        io,
        format,
        'template',
        items,
        (t) => t.name,
        () => templatesTable(io.out, items, wide),
      );
      return;
    }
    case 'events': {
      if (options.watch) return follow(io, c, format, options);
      const items = await auditEvents(c, {
        type: options.type,
        subject: options.subject,
        limit: limitOf(options.limit, 50),
      });
      emitList(
        io,
        format,
        'event',
        items,
        (e) => e.id,
        () => eventsTable(io.out, items, wide),
      );
      return;
    }
  }
}

/** Follows the stream; each change of a matching resource is printed as a row (or a document) of its new state. */
async function watchStream(
  io: Io,
  c: Connection,
  type: string,
  onSubject: (subject: string) => Promise<void>,
  verbose?: boolean,
): Promise<void> {
  await streamEvents(
    io,
    c,
    { type },
    async (event) => {
      if (event.subject) await onSubject(event.subject);
    },
    verbose,
  );
}

async function watchInstances(
  io: Io,
  c: Connection,
  format: OutputFormat,
  filter: GetOptions,
): Promise<void> {
  await watchStream(
    io,
    c,
    'lcm.lablet.instance.',
    async (id) => {
      const instance = await getInstance(c, id).catch(() => undefined);
      if (!instance) return;
      const i = instance;
      const matches =
        (!filter.state || i.state === filter.state) &&
        (!filter.worker || i.workerId === filter.worker) &&
        (!filter.owner || i.ownerId === filter.owner) &&
        (!filter.definition ||
          i.definitionName === filter.definition ||
          i.definitionId === filter.definition);
      if (matches)
        watchRow(io, format, `instance/${i.id}`, i, () =>
          instancesTable(io.out, [i], format === 'wide'),
        );
    },
    filter.verbose,
  );
}

async function watchWorkers(
  io: Io,
  c: Connection,
  format: OutputFormat,
  verbose?: boolean,
): Promise<void> {
  await watchStream(
    io,
    c,
    'lcm.worker.',
    async (id) => {
      const worker = await getWorker(c, id).catch(() => undefined);
      if (!worker) return;
      const capacity =
        format === 'wide' ? await capacities(c, [worker]) : undefined;
      watchRow(io, format, `worker/${worker.id}`, worker, () =>
        workersTable(io.out, [worker], capacity),
      );
    },
    verbose,
  );
}

/** A watched change: the table's row without its header (as kubectl --watch), or one document. */
function watchRow(
  io: Io,
  format: OutputFormat,
  name: string,
  value: unknown,
  render: () => string,
): void {
  if (format === 'json') io.out.write(`${JSON.stringify(value)}\n`);
  else if (format === 'yaml') io.out.write(`---\n${serialise('yaml', value)}`);
  else if (format === 'name') io.out.write(`${name}\n`);
  else io.out.write(render().split('\n').slice(1).join('\n'));
}

interface StreamedEvent {
  id?: string;
  type: string;
  subject?: string;
  source: string;
  time: string;
  data?: Record<string, unknown>;
}

/** The event stream until Ctrl-C, resuming after a drop; a refusal (4xx) is the server's problem+json. */
async function streamEvents(
  io: Io,
  c: Connection,
  filter: { type?: string; subject?: string },
  onEvent: (event: StreamedEvent) => Promise<void> | void,
  verbose = false,
): Promise<void> {
  const query = new URLSearchParams(
    Object.entries(filter).filter(
      (e): e is [string, string] => e[1] !== undefined,
    ),
  );
  let queue = Promise.resolve();
  try {
    await followEventStream({
      url: `${c.server}/api/v1/events/stream${query.size > 0 ? `?${query}` : ''}`,
      headers: c.token ? { authorization: `Bearer ${c.token}` } : {},
      signal: io.signal,
      onEvent: (message) => {
        let event: StreamedEvent;
        try {
          event = JSON.parse(message.data) as StreamedEvent;
        } catch {
          return;
        }
        queue = queue
          .then(() => onEvent(event))
          .catch((error: unknown) =>
            io.err.write(`error: ${errorMessage(error)}\n`),
          );
      },
      onState: (state, detail) => {
        if (state === 'retrying')
          io.err.write(
            `${paint(io.err, 'yellow', 'stream interrupted')}: ${detail}\n`,
          );
        else if (verbose)
          io.err.write(
            `stream ${state === 'open' ? 'connected' : 'connecting'}\n`,
          );
      },
    });
  } catch (error) {
    if (error instanceof EventStreamRefused) {
      let problem;
      try {
        problem = JSON.parse(error.body) as { title?: string; detail?: string };
      } catch {
        problem = undefined;
      }
      throw new CliError(
        problemMessage(
          error.status,
          problem,
          error.body || `HTTP ${error.status}`,
        ),
      );
    }
    throw error;
  }
  await queue;
}

async function follow(
  io: Io,
  c: Connection,
  format: OutputFormat,
  options: { type?: string; subject?: string; verbose?: boolean },
): Promise<void> {
  let header = format === 'table' || format === 'wide';
  await streamEvents(
    io,
    c,
    { type: options.type, subject: options.subject },
    (event) => {
      if (format === 'json') io.out.write(`${JSON.stringify(event)}\n`);
      else if (format === 'yaml')
        io.out.write(`---\n${serialise('yaml', event)}`);
      else if (format === 'name') io.out.write(`event/${event.id ?? ''}\n`);
      else {
        const rendered = eventsTable(io.out, [event], format === 'wide').split(
          '\n',
        );
        io.out.write(`${(header ? rendered : rendered.slice(1)).join('\n')}`);
        header = false;
      }
    },
    options.verbose,
  );
}

function section(io: Io, title: string): string {
  return `\n${paint(io.out, 'bold', `${title}:`)}\n`;
}

function indent(text: string, by = 2): string {
  return text
    .split('\n')
    .map((line) => (line ? ' '.repeat(by) + line : line))
    .join('\n');
}

function fields(pairs: [string, string][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length)) + 2;
  return (
    pairs.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`).join('\n') + '\n'
  );
}

async function recentEvents(
  io: Io,
  c: Connection,
  subject: string,
): Promise<string> {
  try {
    const events = await auditEvents(c, { subject, limit: 10 });
    return events.length === 0
      ? '  <none>\n'
      : indent(eventsTable(io.out, events, false));
  } catch (error) {
    return `  <unavailable: ${errorMessage(error)}>\n`;
  }
}

async function describeInstance(
  io: Io,
  c: Connection,
  id: string,
): Promise<void> {
  const i = await getInstance(c, id);
  let text = fields([
    ['ID', i.id],
    [
      'Definition',
      `${i.definitionName}@${i.definitionVersion} (${i.definitionId})`,
    ],
    ['State', paint(io.out, stateColour(i.state), i.state)],
    ['Owner', i.ownerId],
    ['Reservation', orNone(i.reservationId)],
    ['Timeslot', `${i.timeslotStart} - ${i.timeslotEnd}`],
    ['Worker', orNone(i.workerId)],
    ['Lab', orNone(i.cmlLabId)],
    [
      'Requested',
      i.requestedAction
        ? `${i.requestedAction.action} by ${i.requestedAction.requestedBy} at ${i.requestedAction.requestedAt}`
        : '<none>',
    ],
    ['Created', `${i.createdAt} (${age(i.createdAt)} ago)`],
  ]);
  if (i.gradingScore)
    text += fields([
      [
        'Score',
        `${i.gradingScore.total}/${i.gradingScore.max} (${i.gradingScore.passed ? 'passed' : 'failed'})`,
      ],
    ]);
  if (i.state === 'pending') {
    text += section(io, 'Why not placed');
    // The scheduler's explanation: one clause per filter that ruled workers out ("3 workers: license mismatch; ...").
    text += i.pendingReason
      ? i.pendingReason
          .split('; ')
          .map((clause) => `  - ${clause}\n`)
          .join('')
      : '  not yet considered by the scheduler\n';
  }
  text += section(io, 'Ports');
  text +=
    Object.keys(i.allocatedPorts ?? {}).length === 0
      ? '  <none>\n'
      : indent(
          table(
            ['name', 'port'],
            Object.entries(i.allocatedPorts ?? {}).map(([n, p]) => [
              n,
              String(p),
            ]),
          ),
        );
  if (i.workerId) {
    const worker = await getWorker(c, i.workerId).catch(() => undefined);
    text += section(io, 'Worker');
    text += worker
      ? indent(
          fields([
            ['ID', worker.id],
            ['Name', worker.name],
            ['State', paint(io.out, stateColour(worker.state), worker.state)],
            ['Hostname', orNone(worker.hostname)],
            ['Template', worker.templateName],
          ]),
        )
      : `  ${i.workerId} (not readable)\n`;
  }
  text += section(io, 'Timeline');
  text += indent(
    table(
      ['at', 'from', 'to', 'by', 'reason'],
      i.stateHistory.map((t) => [
        t.at,
        orNone(t.from),
        paint(io.out, stateColour(t.to), t.to),
        t.triggeredBy,
        orNone(t.reason),
      ]),
    ),
  );
  text += section(io, 'Events');
  text += await recentEvents(io, c, i.id);
  io.out.write(text);
}

async function describeWorker(
  io: Io,
  c: Connection,
  id: string,
): Promise<void> {
  const w = await getWorker(c, id);
  const [capacity, allocations] = await Promise.all([
    workerCapacity(c, id),
    workerPorts(c, id),
  ]);
  const instances = await listInstances(c, { worker: id });
  let text = fields([
    ['ID', w.id],
    ['Name', w.name],
    ['State', paint(io.out, stateColour(w.state), w.state)],
    ['Cordoned', w.cordoned ? 'yes' : 'no'],
    ['Template', w.templateName],
    ['License', `${w.licenseType} (template)`],
    ['Reported license', reportedLicenseLong(w)],
    ['Region', w.region],
    ['Hostname', orNone(w.hostname)],
    ['Provider id', orNone(w.providerInstanceId)],
    ['State reason', orNone(w.stateReason)],
    ['Drain started', orNone(w.drainStartedAt)],
    ['Created', `${w.createdAt} (${age(w.createdAt)} ago)`],
  ]);
  text += section(io, 'Capacity');
  const cap = (k: 'cpuCores' | 'memoryGb' | 'storageGb' | 'maxNodes') => [
    String(capacity.declared[k]),
    String(capacity.allocated[k]),
    String(capacity.available[k]),
  ];
  const totalPorts = capacity.portRange.end - capacity.portRange.start + 1;
  text += indent(
    table(
      ['resource', 'declared', 'allocated', 'available'],
      [
        ['cpu', ...cap('cpuCores')],
        ['memory (Gi)', ...cap('memoryGb')],
        ['storage (Gi)', ...cap('storageGb')],
        ['nodes', ...cap('maxNodes')],
        [
          `ports ${capacity.portRange.start}-${capacity.portRange.end}`,
          String(totalPorts),
          String(totalPorts - capacity.availablePorts),
          String(capacity.availablePorts),
        ],
      ],
    ),
  );
  text += section(io, 'Ports in use');
  text +=
    allocations.length === 0
      ? '  <none>\n'
      : indent(
          table(
            ['instance', 'ports', 'since'],
            allocations.map((a) => [
              a.instanceId,
              ports(a.ports),
              a.allocatedAt,
            ]),
          ),
        );
  text += section(io, 'Instances');
  text +=
    instances.length === 0
      ? '  <none>\n'
      : indent(instancesTable(io.out, instances, false));
  text += section(io, 'Events');
  text += await recentEvents(io, c, w.id);
  io.out.write(text);
}

interface CreateOptions extends GlobalOptions {
  definition?: string;
  start: string;
  duration: string;
  owner?: string;
  reservation?: string;
  output?: string;
}

async function createInstance(io: Io, options: CreateOptions): Promise<void> {
  if (!options.definition)
    throw usage('--definition NAME[@VERSION] is required');
  const format = outputFormat(options.output);
  const timeslotStart = parseStart(options.start);
  const timeslotEnd = new Date(
    Date.parse(timeslotStart) + parseDuration(options.duration) * 60_000,
  ).toISOString();
  const c = connection(io, options);
  const definition = await resolveDefinition(c, options.definition);
  const created = await data(
    c.client.POST('/api/v1/instances', {
      body: {
        definitionId: definition.id,
        definitionVersion: options.definition.includes('@')
          ? definition.version
          : undefined,
        timeslotStart,
        timeslotEnd,
        ownerId: options.owner,
        reservationId: options.reservation,
      },
    }),
  );
  emit(
    io,
    format,
    created,
    [`instance/${created.id}`],
    () =>
      `instance/${created.id} created (${created.definitionName}@${created.definitionVersion}, ${created.state})\n`,
  );
}

/** `apply -f`: a definition as YAML or JSON (the api's register body); `-` reads stdin. */
async function apply(
  io: Io,
  options: GlobalOptions & { filename?: string; output?: string },
): Promise<void> {
  if (!options.filename) throw usage('-f FILE is required (- for stdin)');
  const format = outputFormat(options.output);
  let text: string;
  try {
    text = readFileSync(
      options.filename === '-' ? 0 : options.filename,
      'utf8',
    );
  } catch (error) {
    throw new CliError(
      `cannot read ${options.filename}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  let body: unknown;
  try {
    body = parse(text);
  } catch (error) {
    throw new CliError(
      `${options.filename} is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new CliError(
      `${options.filename} must hold one definition (a mapping with name, labYaml, resourceRequirements, ...)`,
    );
  const c = connection(io, options);
  const result = await c.client.POST('/api/v1/definitions', {
    body: body as never,
  });
  const definition: Definition = await data(Promise.resolve(result));
  const outcome =
    result.response.status === 201
      ? definition.version === '1.0.0'
        ? 'created'
        : 'configured (new version)'
      : 'unchanged';
  emit(
    io,
    format,
    definition,
    [`definition/${definition.name}@${definition.version}`],
    () => `definition/${definition.name}@${definition.version} ${outcome}\n`,
  );
}

type ApiCall<T> = Promise<{ data?: T; error?: unknown; response: Response }>;
type ById = { params: { path: { id: string } } };

/**
 * A verb on one object (`lcmctl <verb> <kind> <id>`): the request it sends, and the object the api
 * answers with and what is printed of it.
 */
interface ObjectAction {
  kind: 'instance' | 'worker';
  description: string;
  send: (
    c: Connection,
    path: ById,
  ) => Promise<{ result: { id: string }; done: string }>;
}

function objectVerb<T extends { id: string }>(
  kind: ObjectAction['kind'],
  description: string,
  call: (c: Connection, path: ById) => ApiCall<T>,
  done: (result: T) => string,
): ObjectAction {
  return {
    kind,
    description,
    send: async (c, path) => {
      const result = await data(call(c, path));
      return { result, done: done(result) };
    },
  };
}

const OBJECT_ACTIONS: Record<string, ObjectAction> = {
  stop: objectVerb(
    'instance',
    'ask for an instance to stop',
    (c, path) => c.client.POST('/api/v1/instances/{id}/stop', path),
    () => 'stop requested',
  ),
  collect: objectVerb(
    'instance',
    "ask for an instance's results to be collected",
    (c, path) => c.client.POST('/api/v1/instances/{id}/collect', path),
    () => 'collect requested',
  ),
  delete: objectVerb(
    'instance',
    'terminate an instance',
    (c, path) => c.client.DELETE('/api/v1/instances/{id}', path),
    (result: Instance) =>
      result.state === 'terminated' ? 'deleted' : 'deletion requested',
  ),
  start: objectVerb(
    'instance',
    'ask for a stopped instance to run again',
    (c, path) => c.client.POST('/api/v1/instances/{id}/start', path),
    () => 'start requested',
  ),
  drain: objectVerb(
    'worker',
    'drain a worker: no new instances, it stops once empty',
    (c, path) => c.client.POST('/api/v1/workers/{id}/drain', path),
    () => 'drain requested',
  ),
  cordon: objectVerb(
    'worker',
    'cordon a worker: it keeps its instances and takes no new ones',
    (c, path) => c.client.POST('/api/v1/workers/{id}/cordon', path),
    () => 'cordoned',
  ),
  uncordon: objectVerb(
    'worker',
    'uncordon a worker: it takes new instances again',
    (c, path) => c.client.POST('/api/v1/workers/{id}/uncordon', path),
    () => 'uncordoned',
  ),
};

async function objectAction(
  io: Io,
  action: ObjectAction,
  word: string,
  id: string,
  options: GlobalOptions & { output?: string },
): Promise<void> {
  kindOf(word, [`${action.kind}s`]);
  const format = outputFormat(options.output);
  const { result, done } = await action.send(connection(io, options), {
    params: { path: { id } },
  });
  const name = `${action.kind}/${result.id}`;
  emit(io, format, result, [name], () => `${name} ${done}\n`);
}

interface AuditOptions extends GlobalOptions {
  type?: string;
  subject?: string;
  source?: string;
  since?: string;
  until?: string;
  limit?: string;
  output?: string;
}

async function audit(io: Io, options: AuditOptions): Promise<void> {
  const format = outputFormat(options.output);
  const time = (value: string | undefined, flag: string) => {
    if (value === undefined) return undefined;
    if (/^\d+[hm]$|^\d+h\d+m$/.test(value))
      return new Date(Date.now() - parseDuration(value) * 60_000).toISOString();
    if (Number.isNaN(Date.parse(value)))
      throw usage(
        `${flag} must be an ISO time or a duration like 30m or 2h, got "${value}"`,
      );
    return new Date(value).toISOString();
  };
  const c = connection(io, options);
  const items: AuditEvent[] = await auditEvents(c, {
    type: options.type,
    subject: options.subject,
    source: options.source,
    from: time(options.since, '--since'),
    to: time(options.until, '--until'),
    limit: limitOf(options.limit, 50),
  });
  emitList(
    io,
    format,
    'event',
    items,
    (e) => e.id,
    () => eventsTable(io.out, items, true),
  );
}

interface ForecastOptions extends GlobalOptions {
  from?: string;
  to?: string;
  step?: string;
  output?: string;
}

/** `capacity forecast`: the capacity calendar (`GET /api/v1/capacity/forecast`). */
async function forecast(io: Io, options: ForecastOptions): Promise<void> {
  const format = outputFormat(options.output);
  const now = new Date();
  const time = (value: string | undefined, flag: string) =>
    value === undefined ? undefined : parseStart(value, now, flag);
  const query = {
    from: time(options.from, '--from'),
    to: time(options.to, '--to'),
    step: options.step === undefined ? undefined : parseDuration(options.step),
  };
  const result = await capacityForecast(connection(io, options), query);
  emit(
    io,
    format,
    result,
    result.steps.map((step) => `forecast/${step.at}`),
    () => forecastTable(io.out, result, format === 'wide'),
  );
}

function configCommands(io: Io, program: Command): void {
  const config = program
    .command('config')
    .description(
      'manage contexts (server, token, CA) in the config file ($LCMCONFIG)',
    );
  const load = () => {
    const path = configPath(io.env);
    return { path, config: readConfig(path) };
  };
  config
    .command('set-context')
    .description(
      'create or update a context (the first becomes the current one)',
    )
    .argument('<name>')
    .option('--server <url>', 'the api, e.g. https://lcm.example.com')
    .option('--token <token>', 'a bearer token')
    .option(
      '--token-command <command>',
      'a command that prints a bearer token (run on every use)',
    )
    .option('--ca-file <file>', 'PEM file of a CA to trust for this server')
    .action((name: string, _options: unknown, command: Command) => {
      // --server and --token are also global flags: read them with the globals.
      const options = command.optsWithGlobals<{
        server?: string;
        token?: string;
        tokenCommand?: string;
        caFile?: string;
      }>();
      const { path, config: current } = load();
      writeConfig(
        path,
        setContext(current, name, {
          server: options.server,
          token: options.token,
          'token-command': options.tokenCommand,
          'ca-file': options.caFile,
        }),
      );
      io.out.write(`context "${name}" set in ${path}\n`);
    });
  config
    .command('use-context')
    .description('make a context the current one')
    .argument('<name>')
    .action((name: string) => {
      const { path, config: current } = load();
      writeConfig(path, useContext(current, name));
      io.out.write(`switched to context "${name}"\n`);
    });
  config
    .command('get-contexts')
    .description('list the contexts')
    .action(() => {
      const { config: current } = load();
      io.out.write(
        table(
          ['current', 'name', 'server', 'auth'],
          current.contexts.map((c) => [
            c.name === current['current-context'] ? '*' : '',
            c.name,
            c.server,
            c['token-command'] ? 'token-command' : c.token ? 'token' : '<none>',
          ]),
        ),
      );
    });
  config
    .command('current-context')
    .description('print the current context')
    .action(() => {
      const { path, config: current } = load();
      if (!current['current-context'])
        throw new CliError(`no current context in ${path}`);
      io.out.write(`${current['current-context']}\n`);
    });
  config
    .command('view')
    .description('print the config file (tokens redacted)')
    .action(() => {
      const { config: current } = load();
      io.out.write(
        serialise('yaml', {
          ...current,
          contexts: current.contexts.map((c) =>
            c.token ? { ...c, token: 'REDACTED' } : c,
          ),
        }),
      );
    });
}

/** The command tree; `io` carries the streams and environment (tests pass their own). */
export function buildProgram(io: Io): Command {
  const program = new Command('lcmctl')
    .description('Operate LCM (the Lablet Cloud Manager) from the command line')
    .version('1.0.0')
    .option('--context <name>', 'the context to use (default: the current one)')
    .option(
      '--server <url>',
      'the api URL, overriding the context (token from --token or LCM_TOKEN)',
    )
    .option('--token <token>', 'a bearer token, overriding the context')
    .option(
      '-v, --verbose',
      'report the event stream connecting and connected on stderr',
    )
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
      outputError: (s, write) => write(s.split('\n')[0] + '\n'),
    });

  const globals = (command: Command) =>
    command.optsWithGlobals<GlobalOptions & Record<string, unknown>>();

  program
    .command('get')
    .description('list instances, workers, definitions, templates or events')
    .argument(
      '<resource>',
      'instances | workers | definitions | templates | events',
    )
    .addOption(outputOption())
    .option(
      '-w, --watch',
      'after the list, print every change as it happens (Ctrl-C ends)',
    )
    .option('--state <state>', 'instances in this state')
    .option(
      '--definition <name|id>',
      'instances of this definition (name: every version)',
    )
    .option('--worker <id>', 'instances on this worker')
    .option('--owner <id>', 'instances of this owner')
    .option('--type <prefix>', 'events whose type starts with this')
    .option(
      '--subject <id>',
      'events about this instance, worker or definition',
    )
    .option('--limit <n>', 'events: how many (1-500, default 50)')
    .action((resource: string, _options: unknown, command: Command) =>
      get(io, resource, globals(command) as GetOptions),
    );

  program
    .command('describe')
    .description(
      'show an instance or a worker in detail: timeline, ports, worker, why it is not placed, recent events',
    )
    .argument('<resource>', 'instance | worker')
    .argument('<id>')
    .action(
      async (
        resource: string,
        id: string,
        _options: unknown,
        command: Command,
      ) => {
        const kind = kindOf(resource, ['instances', 'workers']);
        const c = connection(io, globals(command));
        await (kind === 'instances'
          ? describeInstance(io, c, id)
          : describeWorker(io, c, id));
      },
    );

  program
    .command('create')
    .description('reserve an instance of a definition')
    .argument('<resource>', 'instance')
    .option(
      '--definition <name[@version]>',
      'the definition (latest non-deprecated version unless @VERSION)',
    )
    .option('--start <time>', 'now, +DURATION or an ISO time', 'now')
    .option('--duration <duration>', 'how long, e.g. 30m, 2h, 1h30m', '60m')
    .option('--owner <id>', 'another owner (admin and manager only)')
    .option('--reservation <id>', 'an external booking id')
    .addOption(outputOption())
    .action((resource: string, _options: unknown, command: Command) => {
      kindOf(resource, ['instances']);
      return createInstance(io, globals(command) as unknown as CreateOptions);
    });

  program
    .command('apply')
    .description(
      'register a definition from a YAML file: created, a new version when it changed, else unchanged',
    )
    .option(
      '-f, --filename <file>',
      'the definition (YAML or JSON; - reads stdin)',
    )
    .addOption(outputOption())
    .action((_options: unknown, command: Command) =>
      apply(io, globals(command)),
    );

  for (const [verb, action] of Object.entries(OBJECT_ACTIONS)) {
    program
      .command(verb)
      .description(action.description)
      .argument('<resource>', action.kind)
      .argument('<id>')
      .addOption(outputOption())
      .action(
        (resource: string, id: string, _options: unknown, command: Command) =>
          objectAction(io, action, resource, id, globals(command)),
      );
  }

  program
    .command('events')
    .description(
      'recent events, or with --follow the live stream (resumes after a drop)',
    )
    .option('-f, --follow', 'stream events as they happen until Ctrl-C')
    .option(
      '--type <prefix>',
      'events whose type starts with this, e.g. lcm.lablet.instance.',
    )
    .option(
      '--subject <id>',
      'events about this instance, worker or definition',
    )
    .option('--limit <n>', 'without --follow: how many (1-500, default 50)')
    .addOption(outputOption())
    .action(async (_options: unknown, command: Command) => {
      const options = globals(command) as GetOptions & { follow?: boolean };
      if (options.follow)
        return follow(
          io,
          connection(io, options),
          outputFormat(options.output),
          options,
        );
      return get(io, 'events', { ...options, watch: false });
    });

  program
    .command('audit')
    .description('search the audit trail (newest first)')
    .option('--type <type>', 'an event type, or a prefix ending in . or *')
    .option('--subject <id>', 'an instance, worker or definition id')
    .option('--source <source>', 'the writing service, e.g. lcm/controller')
    .option('--since <time>', 'an ISO time or a duration ago (30m, 2h)')
    .option('--until <time>', 'an ISO time or a duration ago')
    .option('--limit <n>', 'how many (1-500, default 50)')
    .addOption(outputOption())
    .action((_options: unknown, command: Command) =>
      audit(io, globals(command)),
    );

  program
    .command('capacity')
    .description('the capacity calendar')
    .command('forecast')
    .description(
      'per step: booked demand, running and planned workers, free capacity, bookings at risk',
    )
    .option('--from <time>', 'now, +DURATION or an ISO time (default: now)')
    .option(
      '--to <time>',
      'now, +DURATION or an ISO time, exclusive (default: from + 24h)',
    )
    .option('--step <duration>', 'step length, e.g. 15m, 1h (default: 60m)')
    .addOption(outputOption())
    .action((_options: unknown, command: Command) =>
      forecast(io, globals(command) as ForecastOptions),
    );

  configCommands(io, program);

  program
    .command('completion')
    .description(
      'print a shell completion script: source <(lcmctl completion bash)',
    )
    .argument('<shell>', 'bash | zsh')
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh')
        throw usage(`completion is for bash or zsh, got "${shell}"`);
      io.out.write(completionScript(program, shell));
    });

  return program;
}

/** Runs lcmctl; returns the exit code. Every failure is one line on stderr, never a stack trace. */
export async function run(argv: string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end "with an error" in commander; its own messages are already written.
      if (
        error.exitCode === 0 ||
        error.code === 'commander.help' ||
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version'
      )
        return 0;
      return EXIT_USAGE;
    }
    if (error instanceof CliError) {
      io.err.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    io.err.write(`error: ${errorMessage(error)}\n`);
    if (io.env['LCMCTL_DEBUG'] && error instanceof Error)
      io.err.write(`${error.stack}\n`);
    return EXIT_FAILURE;
  }
}
