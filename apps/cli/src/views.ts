import type {
  AuditEvent,
  CapacityForecast,
  Definition,
  Instance,
  Template,
  Worker,
  WorkerCapacity,
} from './resources';
import {
  age,
  orNone,
  type Out,
  paint,
  ratio,
  stateColour,
  table,
} from './output';

const state = (out: Out, value: string) =>
  paint(out, stateColour(value), value);

export function ports(map: Record<string, number> | null | undefined): string {
  const entries = Object.entries(map ?? {});
  return entries.length === 0
    ? '<none>'
    : entries.map(([name, port]) => `${name}:${port}`).join(',');
}

export function instancesTable(
  out: Out,
  items: Instance[],
  wide: boolean,
): string {
  const headers = [
    'id',
    'definition',
    'state',
    'owner',
    'worker',
    'age',
    ...(wide ? ['ports', 'start', 'end', 'reason'] : []),
  ];
  return table(
    headers,
    items.map((i) => [
      i.id,
      `${i.definitionName}@${i.definitionVersion}`,
      state(out, i.state),
      i.ownerId,
      orNone(i.workerId),
      age(i.createdAt),
      ...(wide
        ? [
            ports(i.allocatedPorts),
            i.timeslotStart,
            i.timeslotEnd,
            orNone(i.pendingReason ?? i.stateReason),
          ]
        : []),
    ]),
  );
}

/** The licence the worker's lab engine reports, short: `PERSONAL:REGISTERED` (red when it runs no labs). */
export function reportedLicenseShort(out: Out, w: Worker): string {
  const reported = w.reportedLicense;
  if (!reported) return '<unreported>';
  const text = `${reported.licenseType}:${reported.status}`;
  return reported.status === 'REGISTERED' || reported.status === 'EVALUATION'
    ? text
    : paint(out, 'red', text);
}

/** The reported licence in full, for `describe worker`. */
export function reportedLicenseLong(w: Worker): string {
  const reported = w.reportedLicense;
  if (!reported) return '<not reported>';
  const limit =
    reported.nodeLimit === null
      ? 'no node limit'
      : `${reported.nodeLimit} nodes`;
  const detail = reported.detail ? ` (${reported.detail})` : '';
  return `${reported.licenseType}, ${reported.status}, ${limit}, read ${age(reported.readAt)} ago${detail}`;
}

export function workersTable(
  out: Out,
  items: Worker[],
  capacity: Map<string, WorkerCapacity> | undefined,
): string {
  const wide = capacity !== undefined;
  const headers = [
    'id',
    'name',
    'state',
    'template',
    'cordoned',
    'age',
    ...(wide ? ['cpu', 'memory', 'ports', 'hostname', 'license'] : []),
  ];
  return table(
    headers,
    items.map((w) => {
      const c = capacity?.get(w.id);
      const portsTotal = w.portRange.end - w.portRange.start + 1;
      return [
        w.id,
        w.name,
        state(out, w.state),
        w.templateName,
        w.cordoned ? paint(out, 'yellow', 'yes') : 'no',
        age(w.createdAt),
        ...(wide
          ? [
              c ? ratio(c.allocated.cpuCores, c.declared.cpuCores) : '<none>',
              c
                ? `${ratio(c.allocated.memoryGb, c.declared.memoryGb)}Gi`
                : '<none>',
              c ? ratio(portsTotal - c.availablePorts, portsTotal) : '<none>',
              orNone(w.hostname),
              reportedLicenseShort(out, w),
            ]
          : []),
      ];
    }),
  );
}

export function definitionsTable(
  _out: Out,
  items: Definition[],
  wide: boolean,
): string {
  const headers = [
    'name',
    'version',
    'id',
    'nodes',
    'cpu',
    'memory',
    'deprecated',
    'age',
    ...(wide ? ['licenses', 'ports', 'max-duration'] : []),
  ];
  return table(
    headers,
    items.map((d) => [
      d.name,
      d.version,
      d.id,
      String(d.nodeCount),
      String(d.resourceRequirements.cpuCores),
      `${d.resourceRequirements.memoryGb}Gi`,
      d.deprecated ? 'yes' : 'no',
      age(d.createdAt),
      ...(wide
        ? [
            d.licenseAffinity.join(','),
            d.portTemplate.ports.map((p) => p.name).join(','),
            `${d.maxDurationMinutes}m`,
          ]
        : []),
    ]),
  );
}

export function templatesTable(
  _out: Out,
  items: Template[],
  wide: boolean,
): string {
  const headers = [
    'name',
    'instance-type',
    'license',
    'cpu',
    'memory',
    'max-nodes',
    'region',
    ...(wide ? ['ports', 'startup', 'drain-timeout'] : []),
  ];
  return table(
    headers,
    items.map((t) => [
      t.name,
      t.instanceType,
      t.licenseType,
      String(t.capacity.cpuCores),
      `${t.capacity.memoryGb}Gi`,
      String(t.maxNodes),
      t.region,
      ...(wide
        ? [
            `${t.portRange.start}-${t.portRange.end}`,
            `${t.startupTimeMinutes}m`,
            `${t.drainTimeoutHours}h`,
          ]
        : []),
    ]),
  );
}

/** One line of what an event says, for tables and the follow stream. */
export function eventSummary(event: Pick<AuditEvent, 'data'>): string {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  if (
    typeof data['previousState'] === 'string' ||
    typeof data['newState'] === 'string'
  )
    parts.push(`${data['previousState'] ?? '-'} -> ${data['newState'] ?? '-'}`);
  for (const key of ['workerId', 'ownerId', 'reason', 'triggeredBy'])
    if (typeof data[key] === 'string') parts.push(`${key}=${data[key]}`);
  return parts.join(' ') || '<none>';
}

export function eventsTable(
  out: Out,
  items: Pick<AuditEvent, 'time' | 'type' | 'subject' | 'source' | 'data'>[],
  wide: boolean,
): string {
  const headers = [
    'time',
    'type',
    'subject',
    ...(wide ? ['source'] : []),
    'summary',
  ];
  return table(
    headers,
    items.map((e) => [
      e.time,
      paint(out, 'cyan', e.type),
      orNone(e.subject),
      ...(wide ? [e.source] : []),
      eventSummary(e),
    ]),
  );
}

/**
 * The capacity calendar, one row per step: booked demand, workers (running, starting, and the
 * further ones the scale-up will have to start; wide: per template), free room (negative: short)
 * and how many bookings cannot start on time; then each booking at risk with its reason.
 */
export function forecastTable(
  out: Out,
  forecast: CapacityForecast,
  wide: boolean,
): string {
  const sum = (
    templates: CapacityForecast['steps'][number]['templates'],
    key: 'running' | 'starting' | 'planned',
  ) => String(templates.reduce((total, t) => total + t[key], 0));
  const short = (n: number) =>
    n < 0 ? paint(out, 'red', String(n)) : String(n);
  const headers = [
    'at',
    'booked',
    'cpu',
    'memory',
    'nodes',
    'running',
    'starting',
    'planned',
    'free cpu',
    'free memory',
    'free nodes',
    'at risk',
    ...(wide ? ['templates'] : []),
  ];
  const rows = forecast.steps.map((step) => [
    step.at,
    String(step.demand.instances),
    String(step.demand.cpuCores),
    `${step.demand.memoryGb}G`,
    String(step.demand.nodes),
    sum(step.templates, 'running'),
    sum(step.templates, 'starting'),
    sum(step.templates, 'planned'),
    short(step.free.cpuCores),
    short(step.free.memoryGb),
    short(step.free.nodes),
    step.atRisk.length === 0
      ? '0'
      : paint(out, 'red', String(step.atRisk.length)),
    ...(wide
      ? [
          orNone(
            step.templates
              .map(
                (t) =>
                  `${t.template}=${t.running}+${t.starting}/${t.needed} (${t.planned} planned${t.unavailable > 0 ? `, ${t.unavailable} unavailable` : ''})`,
              )
              .join(','),
          ),
        ]
      : []),
  ]);
  const risks = forecast.steps.flatMap((step) => step.atRisk);
  const seen = new Set<string>();
  const atRisk = risks.filter(
    (r) => !seen.has(r.instanceId) && seen.add(r.instanceId),
  );
  return (
    table(headers, rows) +
    (atRisk.length === 0
      ? ''
      : `\nAt risk (${atRisk.length}):\n` +
        table(
          ['instance', 'timeslot start', 'reason'],
          atRisk.map((r) => [r.instanceId, r.timeslotStart, r.reason]),
        ))
  );
}
