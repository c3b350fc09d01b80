import type { Client } from 'openapi-fetch';
import type { paths } from '@lcm/api-types';
import {
  all,
  ApiError,
  type AuditEvent,
  data,
  type Definition,
  type Instance,
  type Worker,
  type WorkerCapacity,
} from './api';
import { age, bar, confirmAction, dataTable, h, statePill } from './dom';
import type { LiveEvent, LiveFeed } from './live';

export interface ViewContext {
  api: Client<paths>;
  feed: LiveFeed;
  params: string[];
  claims: { subject: string; roles: string[] };
  root: HTMLElement;
  onUnauthorized(): void;
}

export interface View {
  path: string;
  title: string;
  nav: boolean;
  /** The nav entry this view belongs to (instance detail -> instances). */
  parent?: string;
  /** Renders into ctx.root; returns what to undo when leaving (subscriptions). */
  render(ctx: ViewContext): Promise<() => void>;
}

const PAGE = 500;
const INSTANCE_STATES = [
  'pending',
  'scheduled',
  'instantiating',
  'running',
  'collecting',
  'grading',
  'stopping',
  'stopped',
  'archived',
  'terminated',
];
const ACTIVE = (i: Instance) =>
  i.state !== 'terminated' && i.state !== 'archived';

/**
 * A view's live part: rendered now, and again (coalesced) after every event that matters to it.
 * A refresh replaces only `region`, so forms and filters around it keep their input and focus.
 */
function live(
  ctx: ViewContext,
  region: HTMLElement,
  render: () => Promise<Node[]>,
  matters: (event: LiveEvent) => boolean,
): { dispose: () => void; refresh: () => Promise<void> } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let again = false;
  const refresh = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      region.replaceChildren(...(await render()));
      region.setAttribute('data-refreshed', new Date().toISOString());
    } catch (error) {
      if (error instanceof ApiError && error.status === 401)
        return ctx.onUnauthorized();
      region.replaceChildren(
        h(
          'p',
          { class: 'error', role: 'alert' },
          error instanceof Error ? error.message : String(error),
        ),
      );
    } finally {
      running = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  };
  void refresh();
  const unsubscribe = ctx.feed.subscribe((event) => {
    if (!matters(event)) return;
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(), 150);
  });
  return {
    dispose: () => {
      clearTimeout(timer);
      unsubscribe();
    },
    refresh,
  };
}

const instanceEvent = (e: LiveEvent) =>
  e.type.startsWith('lcm.lablet.instance.');
const fleetEvent = (e: LiveEvent) =>
  e.type.startsWith('lcm.worker.') || instanceEvent(e);

async function instances(ctx: ViewContext): Promise<Instance[]> {
  return all((cursor) =>
    data(
      ctx.api.GET('/api/v1/instances', {
        params: { query: { limit: PAGE, cursor } },
      }),
    ),
  );
}

/** The licence the worker's engine reports (type, status, node limit), else the template's type. */
function licenceText(worker: Worker): string {
  const reported = worker.reportedLicense;
  if (!reported) return worker.licenseType;
  const limit =
    reported.nodeLimit === null ? '' : `, ${reported.nodeLimit} nodes`;
  return `${reported.licenseType} licence ${reported.status.toLowerCase()}${limit}`;
}

/** Workers with their capacity, or undefined when the caller's role may not read the fleet. */
async function fleet(
  ctx: ViewContext,
): Promise<{ worker: Worker; capacity?: WorkerCapacity }[] | undefined> {
  try {
    const workers = await all((cursor) =>
      data(
        ctx.api.GET('/api/v1/workers', {
          params: { query: { limit: PAGE, cursor } },
        }),
      ),
    );
    const live = workers.filter((w) => w.state !== 'terminated');
    return Promise.all(
      live.map(async (worker) => ({
        worker,
        capacity: await data(
          ctx.api.GET('/api/v1/workers/{id}/capacity', {
            params: { path: { id: worker.id } },
          }),
        ).catch(() => undefined),
      })),
    );
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return undefined;
    throw error;
  }
}

function capacityBars(capacity: WorkerCapacity | undefined): HTMLElement {
  if (!capacity) return h('span', { class: 'muted' }, 'capacity unknown');
  const ports = capacity.portRange.end - capacity.portRange.start + 1;
  return h(
    'div',
    {},
    bar('CPU', capacity.allocated.cpuCores, capacity.declared.cpuCores),
    bar(
      'Memory',
      capacity.allocated.memoryGb,
      capacity.declared.memoryGb,
      ' GiB',
    ),
    bar('Ports', ports - capacity.availablePorts, ports),
  );
}

/** The scheduler's reason, one clause per filter that ruled workers out. */
function whyNot(instance: Instance): HTMLElement {
  if (!instance.pendingReason)
    return h(
      'p',
      { class: 'muted why-not' },
      'not yet considered by the scheduler',
    );
  return h(
    'ul',
    { class: 'why why-not' },
    instance.pendingReason.split('; ').map((clause) => h('li', {}, clause)),
  );
}

const instanceLink = (i: Pick<Instance, 'id'>) =>
  h('a', { href: `#/instances/${i.id}`, class: 'mono' }, i.id.slice(0, 8));

function eventsTable(
  caption: string,
  events: Pick<AuditEvent, 'time' | 'type' | 'subject' | 'data'>[],
): HTMLElement {
  return dataTable(
    caption,
    ['Time', 'Type', 'Subject', 'Change'],
    events.map((e) => {
      const d = (e.data ?? {}) as Record<string, unknown>;
      const change =
        typeof d['newState'] === 'string'
          ? `${String(d['previousState'] ?? '–')} → ${String(d['newState'])}`
          : '';
      return [
        h('span', { class: 'mono' }, e.time.replace('T', ' ').slice(0, 19)),
        e.type,
        e.subject ? h('span', { class: 'mono' }, e.subject.slice(0, 12)) : '',
        change,
      ];
    }),
    { class: 'events' },
  );
}

const overview: View = {
  path: 'overview',
  title: 'Overview',
  nav: true,
  async render(ctx) {
    const region = h('div', { class: 'grid', id: 'overview' });
    ctx.root.replaceChildren(h('h1', {}, 'Overview'), region);
    // The trail's last events once, then the live stream's as they come.
    const audit = await data(
      ctx.api.GET('/api/v1/audit/events', { params: { query: { limit: 15 } } }),
    ).catch(() => ({ items: [] as AuditEvent[] }));
    const handle = live(
      ctx,
      region,
      async () => {
        const [items, workers] = await Promise.all([
          instances(ctx),
          fleet(ctx),
        ]);
        const counts = new Map<string, number>();
        for (const i of items)
          counts.set(i.state, (counts.get(i.state) ?? 0) + 1);
        const pending = items.filter((i) => i.state === 'pending');
        const seen = new Set(ctx.feed.recent.map((e) => e.id));
        const recent = [
          ...ctx.feed.recent,
          ...audit.items.filter((e) => !seen.has(e.id)),
        ].slice(0, 15);
        return [
          h(
            'section',
            { class: 'panel', 'aria-labelledby': 'h-states' },
            h('h2', { id: 'h-states' }, 'Instances by state'),
            h(
              'div',
              { class: 'counts' },
              INSTANCE_STATES.filter((s) => counts.has(s)).map((s) =>
                h(
                  'div',
                  { class: 'count', 'data-state': s },
                  h('strong', {}, counts.get(s) ?? 0),
                  s,
                ),
              ),
            ),
            items.length === 0
              ? h('p', { class: 'muted' }, 'No instances.')
              : null,
          ),
          h(
            'section',
            { class: 'panel', 'aria-labelledby': 'h-workers' },
            h('h2', { id: 'h-workers' }, 'Workers'),
            workers === undefined
              ? h('p', { class: 'muted' }, 'Your role does not show the fleet.')
              : workers.length === 0
                ? h(
                    'p',
                    { class: 'muted' },
                    'No workers yet: one is started for the first instance.',
                  )
                : workers.map(({ worker, capacity }) =>
                    h(
                      'div',
                      { class: 'worker', 'data-worker': worker.id },
                      h(
                        'p',
                        {},
                        h('a', { href: '#/workers' }, worker.name),
                        ' ',
                        statePill(worker.state),
                        worker.cordoned ? ' cordoned' : '',
                      ),
                      capacityBars(capacity),
                    ),
                  ),
          ),
          h(
            'section',
            { class: 'panel', 'aria-labelledby': 'h-pending' },
            h('h2', { id: 'h-pending' }, 'Pending, and why'),
            pending.length === 0
              ? h('p', { class: 'muted' }, 'Nothing is waiting.')
              : pending.map((i) =>
                  h(
                    'div',
                    { class: 'pending', 'data-instance': i.id },
                    h(
                      'p',
                      {},
                      instanceLink(i),
                      ` ${i.definitionName}@${i.definitionVersion} for ${i.ownerId}, waiting ${age(i.createdAt)}`,
                    ),
                    whyNot(i),
                  ),
                ),
          ),
          h(
            'section',
            { class: 'panel wide', 'aria-labelledby': 'h-events' },
            h('h2', { id: 'h-events' }, 'Recent events'),
            eventsTable('Recent events', recent),
          ),
        ];
      },
      fleetEvent,
    );
    return handle.dispose;
  },
};

type SortKey =
  | 'createdAt'
  | 'state'
  | 'definitionName'
  | 'ownerId'
  | 'workerId';

const instancesView: View = {
  path: 'instances',
  title: 'Instances',
  nav: true,
  async render(ctx) {
    const definitions = await all((cursor) =>
      data(
        ctx.api.GET('/api/v1/definitions', {
          params: { query: { limit: PAGE, cursor, deprecated: false } },
        }),
      ),
    );
    const names = [...new Map(definitions.map((d) => [d.name, d])).values()];
    const message = h('p', { role: 'status', id: 'request-status' });
    const definition = h(
      'select',
      { id: 'request-definition', name: 'definition', required: true },
      names.map((d) =>
        h('option', { value: d.id }, `${d.name} (latest ${d.version})`),
      ),
    );
    const minutes = h('input', {
      id: 'request-minutes',
      name: 'minutes',
      type: 'number',
      min: 5,
      max: 1440,
      value: 30,
      required: true,
    });
    const request = h(
      'form',
      {
        class: 'inline',
        'aria-label': 'Request an instance',
        onsubmit: async (event: Event) => {
          event.preventDefault();
          const start = new Date();
          const reply = await ctx.api.POST('/api/v1/instances', {
            body: {
              definitionId: definition.value,
              timeslotStart: start.toISOString(),
              timeslotEnd: new Date(
                start.getTime() + Number(minutes.value) * 60_000,
              ).toISOString(),
            },
          });
          if (reply.data) {
            message.replaceChildren(
              'Requested ',
              instanceLink(reply.data),
              '.',
            );
            message.setAttribute('data-instance', reply.data.id);
          } else
            message.replaceChildren(
              h(
                'span',
                { class: 'error' },
                `Not requested: ${(reply.error as { detail?: string; title?: string } | undefined)?.detail ?? reply.response.status}`,
              ),
            );
        },
      },
      h('label', {}, 'Definition', definition),
      h('label', {}, 'Minutes', minutes),
      h('button', { type: 'submit' }, 'Request instance'),
    );
    const stateFilter = h(
      'select',
      { id: 'filter-state', name: 'state' },
      h('option', { value: '' }, 'any state'),
      INSTANCE_STATES.map((s) => h('option', { value: s }, s)),
    );
    const textFilter = h('input', {
      id: 'filter-text',
      name: 'text',
      type: 'search',
      placeholder: 'owner, definition, worker, id',
    });
    let sort: { key: SortKey; descending: boolean } = {
      key: 'createdAt',
      descending: true,
    };
    const region = h('div', { class: 'panel', id: 'instances' });
    const filters = h(
      'form',
      {
        class: 'inline',
        'aria-label': 'Filter instances',
        onsubmit: (e: Event) => e.preventDefault(),
      },
      h('label', {}, 'State', stateFilter),
      h('label', {}, 'Search', textFilter),
    );
    ctx.root.replaceChildren(
      h('h1', {}, 'Instances'),
      h(
        'section',
        { class: 'panel', 'aria-label': 'Request' },
        h('h2', {}, 'Request an instance'),
        request,
        message,
      ),
      filters,
      region,
    );
    let latest: Instance[] = [];
    const draw = () => {
      const text = textFilter.value.trim().toLowerCase();
      const shown = latest
        .filter((i) => !stateFilter.value || i.state === stateFilter.value)
        .filter(
          (i) =>
            !text ||
            [i.id, i.ownerId, i.definitionName, i.workerId ?? ''].some((v) =>
              v.toLowerCase().includes(text),
            ),
        )
        .sort(
          (a, b) =>
            String(a[sort.key] ?? '').localeCompare(String(b[sort.key] ?? '')) *
            (sort.descending ? -1 : 1),
        );
      const header = (label: string, key: SortKey) =>
        h(
          'button',
          {
            type: 'button',
            'aria-label': `Sort by ${label}`,
            onclick: () => {
              sort = {
                key,
                descending: sort.key === key ? !sort.descending : false,
              };
              region.replaceChildren(draw());
            },
          },
          `${label}${sort.key === key ? (sort.descending ? ' ▼' : ' ▲') : ''}`,
        );
      return dataTable(
        'Instances',
        [
          'Id',
          header('Definition', 'definitionName'),
          header('State', 'state'),
          header('Owner', 'ownerId'),
          header('Worker', 'workerId'),
          header('Age', 'createdAt'),
          'Why not placed',
        ],
        shown.map((i) => [
          instanceLink(i),
          `${i.definitionName}@${i.definitionVersion}`,
          statePill(i.state),
          i.ownerId,
          i.workerId ?? '–',
          age(i.createdAt),
          i.state === 'pending'
            ? (i.pendingReason ?? 'not yet considered')
            : '',
        ]),
        { id: 'instances-table' },
      );
    };
    stateFilter.addEventListener('change', () =>
      region.replaceChildren(draw()),
    );
    textFilter.addEventListener('input', () => region.replaceChildren(draw()));
    const handle = live(
      ctx,
      region,
      async () => {
        latest = await instances(ctx);
        return [draw()];
      },
      instanceEvent,
    );
    return handle.dispose;
  },
};

const instanceDetail: View = {
  path: 'instances/:id',
  title: 'Instance',
  nav: false,
  parent: 'instances',
  async render(ctx) {
    const id = ctx.params[0];
    const region = h('div', { id: 'instance' });
    const status = h('p', { role: 'status', id: 'action-status' });
    const act = async (action: 'stop' | 'collect' | 'delete') => {
      if (
        !(await confirmAction(
          `${action === 'delete' ? 'Terminate' : action === 'stop' ? 'Stop' : 'Collect the results of'} instance ${id.slice(0, 8)}?`,
          action === 'delete'
            ? 'Terminate'
            : action === 'stop'
              ? 'Stop'
              : 'Collect',
        ))
      )
        return;
      const path = { params: { path: { id } } };
      const reply =
        action === 'delete'
          ? await ctx.api.DELETE('/api/v1/instances/{id}', path)
          : action === 'stop'
            ? await ctx.api.POST('/api/v1/instances/{id}/stop', path)
            : await ctx.api.POST('/api/v1/instances/{id}/collect', path);
      if (reply.data) await handle.refresh();
      status.textContent = reply.data
        ? `${action} requested.`
        : `Refused: ${(reply.error as { detail?: string } | undefined)?.detail ?? reply.response.status}`;
    };
    ctx.root.replaceChildren(
      h('p', {}, h('a', { href: '#/instances' }, '← Instances')),
      h('h1', {}, `Instance ${id.slice(0, 8)}`),
      h(
        'div',
        { class: 'actions', role: 'group', 'aria-label': 'Instance actions' },
        h(
          'button',
          { type: 'button', onclick: () => void act('stop') },
          'Stop',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => void act('collect'),
          },
          'Collect',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onclick: () => void act('delete'),
          },
          'Delete',
        ),
      ),
      status,
      region,
    );
    const handle = live(
      ctx,
      region,
      async () => {
        const i = await data(
          ctx.api.GET('/api/v1/instances/{id}', { params: { path: { id } } }),
        );
        const worker = i.workerId
          ? await data(
              ctx.api.GET('/api/v1/workers/{id}', {
                params: { path: { id: i.workerId } },
              }),
            ).catch(() => undefined)
          : undefined;
        const events = await data(
          ctx.api.GET('/api/v1/audit/events', {
            params: { query: { subject: id, limit: 20 } },
          }),
        ).catch(() => undefined);
        return [
          h(
            'div',
            { class: 'grid' },
            h(
              'section',
              { class: 'panel', 'aria-labelledby': 'h-summary' },
              h('h2', { id: 'h-summary' }, 'Summary'),
              h(
                'dl',
                { class: 'fields' },
                [
                  ['Id', h('span', { class: 'mono' }, i.id)],
                  ['State', statePill(i.state)],
                  ['Definition', `${i.definitionName}@${i.definitionVersion}`],
                  ['Owner', i.ownerId],
                  ['Timeslot', `${i.timeslotStart} – ${i.timeslotEnd}`],
                  [
                    'Requested',
                    i.requestedAction
                      ? `${i.requestedAction.action} by ${i.requestedAction.requestedBy}`
                      : '–',
                  ],
                  [
                    'Score',
                    i.gradingScore
                      ? `${i.gradingScore.total}/${i.gradingScore.max}`
                      : '–',
                  ],
                ].flatMap(([k, v]) => [
                  h('dt', {}, k as string),
                  h('dd', {}, v as Node | string),
                ]),
              ),
              i.state === 'pending'
                ? [h('h3', {}, 'Why not placed'), whyNot(i)]
                : null,
            ),
            h(
              'section',
              { class: 'panel', 'aria-labelledby': 'h-ports' },
              h('h2', { id: 'h-ports' }, 'Ports'),
              dataTable(
                'Ports',
                ['Name', 'Port'],
                Object.entries(i.allocatedPorts ?? {}).map(([n, p]) => [
                  n,
                  String(p),
                ]),
              ),
            ),
            h(
              'section',
              { class: 'panel', 'aria-labelledby': 'h-worker' },
              h('h2', { id: 'h-worker' }, 'Worker'),
              worker
                ? h(
                    'dl',
                    { class: 'fields' },
                    h('dt', {}, 'Name'),
                    h('dd', {}, worker.name),
                    h('dt', {}, 'State'),
                    h('dd', {}, statePill(worker.state)),
                    h('dt', {}, 'Host'),
                    h('dd', {}, worker.hostname ?? '–'),
                  )
                : h('p', { class: 'muted' }, i.workerId ?? 'not placed yet'),
            ),
          ),
          h(
            'section',
            { class: 'panel', 'aria-labelledby': 'h-timeline' },
            h('h2', { id: 'h-timeline' }, 'Timeline'),
            dataTable(
              'Timeline',
              ['At', 'From', 'To', 'By', 'Reason'],
              i.stateHistory.map((t) => [
                t.at.replace('T', ' ').slice(0, 19),
                t.from ?? '–',
                statePill(t.to),
                t.triggeredBy,
                t.reason ?? '',
              ]),
              { id: 'timeline' },
            ),
          ),
          events
            ? h(
                'section',
                { class: 'panel', 'aria-labelledby': 'h-ievents' },
                h('h2', { id: 'h-ievents' }, 'Events'),
                eventsTable('Events of this instance', events.items),
              )
            : null,
        ].filter((n): n is HTMLElement => n !== null);
      },
      (e) => e.subject === id,
    );
    return handle.dispose;
  },
};

const workersView: View = {
  path: 'workers',
  title: 'Workers',
  nav: true,
  async render(ctx) {
    const region = h('div', { id: 'workers' });
    const status = h('p', { role: 'status', id: 'action-status' });
    ctx.root.replaceChildren(h('h1', {}, 'Workers'), status, region);
    const act = async (
      worker: Worker,
      action: 'drain' | 'cordon' | 'uncordon',
    ) => {
      if (
        !(await confirmAction(
          `${action[0].toUpperCase()}${action.slice(1)} worker ${worker.name}?`,
          action[0].toUpperCase() + action.slice(1),
        ))
      )
        return;
      const path = { params: { path: { id: worker.id } } };
      const reply =
        action === 'drain'
          ? await ctx.api.POST('/api/v1/workers/{id}/drain', path)
          : action === 'cordon'
            ? await ctx.api.POST('/api/v1/workers/{id}/cordon', path)
            : await ctx.api.POST('/api/v1/workers/{id}/uncordon', path);
      if (reply.data) await handle.refresh();
      status.textContent = reply.data
        ? `${worker.name}: ${action} done.`
        : `Refused: ${(reply.error as { detail?: string } | undefined)?.detail ?? reply.response.status}`;
    };
    const handle = live(
      ctx,
      region,
      async () => {
        const [workers, items] = await Promise.all([
          fleet(ctx),
          instances(ctx),
        ]);
        if (workers === undefined)
          return [
            h('p', { class: 'muted' }, 'Your role does not show the fleet.'),
          ];
        if (workers.length === 0)
          return [h('p', { class: 'muted' }, 'No workers.')];
        return workers.map(({ worker, capacity }) => {
          const labs = items.filter(
            (i) => i.workerId === worker.id && ACTIVE(i),
          );
          return h(
            'section',
            {
              class: 'panel',
              'data-worker': worker.id,
              'aria-label': `Worker ${worker.name}`,
            },
            h(
              'h2',
              {},
              worker.name,
              ' ',
              statePill(worker.state),
              worker.cordoned ? h('span', { class: 'muted' }, ' cordoned') : '',
            ),
            h(
              'p',
              { class: 'muted' },
              `${worker.templateName} · ${licenceText(worker)} · ${worker.hostname ?? 'no host yet'} · up ${age(worker.createdAt)}`,
            ),
            capacityBars(capacity),
            h('h3', {}, `Labs (${labs.length})`),
            dataTable(
              `Labs on ${worker.name}`,
              ['Instance', 'Definition', 'State', 'Owner', 'Ports'],
              labs.map((i) => [
                instanceLink(i),
                i.definitionName,
                statePill(i.state),
                i.ownerId,
                Object.values(i.allocatedPorts ?? {}).join(', '),
              ]),
            ),
            h(
              'div',
              {
                class: 'actions',
                role: 'group',
                'aria-label': `Actions on ${worker.name}`,
              },
              h(
                'button',
                {
                  type: 'button',
                  'data-action': 'drain',
                  disabled: worker.state !== 'running',
                  onclick: () => void act(worker, 'drain'),
                },
                'Drain',
              ),
              worker.cordoned
                ? h(
                    'button',
                    {
                      type: 'button',
                      class: 'secondary',
                      'data-action': 'uncordon',
                      onclick: () => void act(worker, 'uncordon'),
                    },
                    'Uncordon',
                  )
                : h(
                    'button',
                    {
                      type: 'button',
                      class: 'secondary',
                      'data-action': 'cordon',
                      onclick: () => void act(worker, 'cordon'),
                    },
                    'Cordon',
                  ),
            ),
          );
        });
      },
      fleetEvent,
    );
    return handle.dispose;
  },
};

const definitionsView: View = {
  path: 'definitions',
  title: 'Definitions',
  nav: true,
  async render(ctx) {
    const region = h('div', { id: 'definitions' });
    ctx.root.replaceChildren(h('h1', {}, 'Definitions'), region);
    const selected = ctx.params[0];
    const handle = live(
      ctx,
      region,
      async () => {
        const versions = await all((cursor) =>
          data(
            ctx.api.GET('/api/v1/definitions', {
              params: { query: { limit: PAGE, cursor } },
            }),
          ),
        );
        const byName = new Map<string, Definition[]>();
        for (const d of versions)
          byName.set(d.name, [...(byName.get(d.name) ?? []), d]);
        const list = h(
          'section',
          { class: 'panel', 'aria-labelledby': 'h-defs' },
          h('h2', { id: 'h-defs' }, 'By name'),
          dataTable(
            'Definitions',
            ['Name', 'Latest', 'Versions', 'Nodes', 'CPU / memory', 'Ports'],
            [...byName.entries()].map(([name, all]) => [
              h('a', { href: `#/definitions/${all[0].id}` }, name),
              all[0].version,
              String(all.length),
              String(all[0].nodeCount),
              `${all[0].resourceRequirements.cpuCores} / ${all[0].resourceRequirements.memoryGb} GiB`,
              all[0].portTemplate.ports.map((p) => p.name).join(', '),
            ]),
          ),
        );
        if (!selected) return [list];
        const chosen = await data(
          ctx.api.GET('/api/v1/definitions/{id}', {
            params: { path: { id: selected } },
          }),
        );
        const siblings = byName.get(chosen.name) ?? [chosen];
        return [
          list,
          h(
            'section',
            { class: 'panel', 'aria-labelledby': 'h-versions' },
            h('h2', { id: 'h-versions' }, `${chosen.name} versions`),
            dataTable(
              `Versions of ${chosen.name}`,
              ['Version', 'Created', 'By', 'Deprecated'],
              siblings.map((d) => [
                d.id === chosen.id
                  ? h('strong', {}, d.version)
                  : h('a', { href: `#/definitions/${d.id}` }, d.version),
                d.createdAt.slice(0, 19).replace('T', ' '),
                d.createdBy,
                d.deprecated ? 'yes' : 'no',
              ]),
            ),
            h('h3', {}, `Lab YAML of ${chosen.version}`),
            h(
              'pre',
              {
                class: 'yaml',
                tabindex: 0,
                'aria-label': `Lab YAML of ${chosen.name} ${chosen.version}`,
              },
              chosen.labYaml ?? '',
            ),
          ),
        ];
      },
      (e) => e.type.startsWith('lcm.lablet.definition.'),
    );
    return handle.dispose;
  },
};

const auditView: View = {
  path: 'audit',
  title: 'Audit',
  nav: true,
  async render(ctx) {
    const field = (name: string, label: string, placeholder: string) =>
      h(
        'label',
        {},
        label,
        h('input', { name, id: `audit-${name}`, placeholder }),
      );
    const region = h('div', { class: 'panel', id: 'audit' });
    const search = async () => {
      const form = new FormData(formElement);
      const value = (k: string) =>
        String(form.get(k) ?? '').trim() || undefined;
      const since = value('since');
      try {
        const page = await data(
          ctx.api.GET('/api/v1/audit/events', {
            params: {
              query: {
                type: value('type'),
                subject: value('subject'),
                source: value('source'),
                from: since
                  ? new Date(Date.now() - Number(since) * 60_000).toISOString()
                  : undefined,
                limit: 100,
              },
            },
          }),
        );
        region.replaceChildren(
          h(
            'p',
            { class: 'muted', role: 'status' },
            `${page.items.length} events`,
          ),
          eventsTable('Audit events', page.items),
        );
      } catch (error) {
        region.replaceChildren(
          h(
            'p',
            { class: 'error', role: 'alert' },
            error instanceof Error ? error.message : String(error),
          ),
        );
      }
    };
    const formElement = h(
      'form',
      {
        class: 'inline',
        'aria-label': 'Search the audit trail',
        onsubmit: (event: Event) => {
          event.preventDefault();
          void search();
        },
      },
      field('type', 'Type (or prefix ending in .)', 'lcm.lablet.instance.'),
      field('subject', 'Subject', 'instance or worker id'),
      field('source', 'Source', 'lcm/controller'),
      h(
        'label',
        {},
        'Last minutes',
        h('input', {
          name: 'since',
          id: 'audit-since',
          type: 'number',
          min: 1,
          placeholder: '60',
        }),
      ),
      h('button', { type: 'submit' }, 'Search'),
    );
    ctx.root.replaceChildren(h('h1', {}, 'Audit'), formElement, region);
    await search();
    return () => undefined;
  },
};

export const VIEWS: View[] = [
  overview,
  instancesView,
  instanceDetail,
  workersView,
  definitionsView,
  auditView,
];

/** `instances/abc` -> the instance view with params ['abc']; unknown paths -> the overview. */
export function viewFor(hash: string): { view: View; params: string[] } {
  const parts = hash.split('/').filter(Boolean);
  if (parts[0] === 'definitions')
    return { view: definitionsView, params: parts.slice(1) };
  for (const view of VIEWS) {
    const pattern = view.path.split('/');
    if (pattern.length !== parts.length) continue;
    const params: string[] = [];
    if (
      pattern.every((p, i) =>
        p.startsWith(':')
          ? (params.push(decodeURIComponent(parts[i])), true)
          : p === parts[i],
      )
    )
      return { view, params };
  }
  return { view: overview, params: [] };
}
