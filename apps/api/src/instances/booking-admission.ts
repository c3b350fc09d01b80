import {
  isTerminalInstanceState,
  toEpochMs,
  type InstanceSpec,
  type LabletInstance,
  type WorkerTemplate,
} from '@lcm/domain';
import { ProblemException } from '@lcm/runtime';
import { selectTemplate, workersToHold } from '@lcm/scheduling';

/** What admission against the calendar needs of the api's settings. */
export interface BookingAdmissionSettings {
  /** BOOKING_HORIZON_DAYS: a booking may start at most this far ahead. */
  bookingHorizonDays: number;
  /** CAPACITY_ADMISSION: refuse (409) a booking whose window's demand exceeds what MAX_WORKERS can hold. */
  capacityAdmission: boolean;
  /** MAX_WORKERS: the fleet's limit (the controller's too). */
  maxWorkers: number;
  region: string;
}

export interface Booking {
  spec: InstanceSpec;
  timeslotStart: string;
  timeslotEnd: string;
}

const DAY_MS = 24 * 60 * 60_000;

/** 422 naming `timeslotStart` for a booking that starts beyond the horizon. */
export function assertWithinHorizon(
  timeslotStart: string,
  now: string,
  horizonDays: number,
): void {
  const limit = toEpochMs(now) + horizonDays * DAY_MS;
  if (toEpochMs(timeslotStart) <= limit) return;
  const message = `starts more than BOOKING_HORIZON_DAYS (${horizonDays}) ahead: the latest start accepted now is ${new Date(limit).toISOString()}`;
  throw new ProblemException('unprocessable', `timeslotStart: ${message}`, {
    errors: [{ field: 'timeslotStart', message }],
    horizonDays,
    latestStart: new Date(limit).toISOString(),
  });
}

/** The peak of the booked demand over the booking's slot, as the workers it needs (see windowDemand). */
export interface WindowDemand {
  /** When the peak is reached (within the booking's slot). */
  peakAt: string;
  instances: number;
  cpuCores: number;
  memoryGb: number;
  nodes: number;
  /** At least this many workers hold the peak (per template: the tightest dimension, rounded up). */
  workersNeeded: number;
}

type Demand = Pick<LabletInstance, 'spec' | 'timeslotStart' | 'timeslotEnd'>;

interface Slot {
  start: number;
  end: number;
  template: WorkerTemplate | null;
}

/** Per record, per template list (the admission catalog's, the same array until it is read again). */
const slots = new WeakMap<
  Demand,
  { templates: readonly WorkerTemplate[]; region: string; slot: Slot }
>();

function slotOf(
  demand: Demand,
  templates: readonly WorkerTemplate[],
  region: string,
): Slot {
  const known = slots.get(demand);
  if (known && known.templates === templates && known.region === region)
    return known.slot;
  const slot = {
    start: toEpochMs(demand.timeslotStart),
    end: toEpochMs(demand.timeslotEnd),
    template: selectTemplate(demand.spec, templates, { region })
      .template as WorkerTemplate | null,
  };
  slots.set(demand, { templates, region, slot });
  return slot;
}

/**
 * The booked demand at its peak during `booking`'s slot, the booking included: every live
 * instance whose slot overlaps it, counted where they overlap each other. The workers needed are a
 * lower bound: per template `selectTemplate` names, the tightest of cpu, memory, storage and nodes.
 */
export function windowDemand(
  booking: Demand,
  existing: readonly Demand[],
  templates: readonly WorkerTemplate[],
  region: string,
): WindowDemand {
  const from = toEpochMs(booking.timeslotStart);
  const to = toEpochMs(booking.timeslotEnd);
  // Each slot's bounds and template are worked out once per record: admission runs over every
  // live instance, and the watch cache hands the same record objects over until they change.
  const slots = [booking, ...existing]
    .map((demand) => ({ demand, ...slotOf(demand, templates, region) }))
    .filter(
      ({ demand, start, end }) =>
        demand === booking || (start < to && end > from),
    );
  // The demand only grows at a slot start: the peak is at one of them (or at the booking's start).
  const instants = [
    ...new Set([
      from,
      ...slots.map(({ start }) => start).filter((t) => t > from && t < to),
    ]),
  ];
  let peak: WindowDemand = {
    peakAt: booking.timeslotStart,
    instances: 0,
    cpuCores: 0,
    memoryGb: 0,
    nodes: 0,
    workersNeeded: 0,
  };
  for (const t of instants) {
    const liveSlots = slots.filter(({ start, end }) => start <= t && end > t);
    const live = liveSlots.map(({ demand }) => demand);
    const byTemplate = new Map<WorkerTemplate, Demand['spec'][]>();
    for (const { demand, template } of liveSlots) {
      if (!template) continue;
      const specs = byTemplate.get(template);
      if (specs) specs.push(demand.spec);
      else byTemplate.set(template, [demand.spec]);
    }
    let workersNeeded = 0;
    for (const [template, specs] of byTemplate)
      workersNeeded += workersToHold(specs, template);
    if (
      workersNeeded > peak.workersNeeded ||
      (workersNeeded === peak.workersNeeded && live.length > peak.instances)
    ) {
      peak = {
        peakAt: new Date(t).toISOString(),
        instances: live.length,
        cpuCores: live.reduce((s, i) => s + i.spec.requirements.cpuCores, 0),
        memoryGb: live.reduce((s, i) => s + i.spec.requirements.memoryGb, 0),
        nodes: live.reduce((s, i) => s + i.spec.nodeCount, 0),
        workersNeeded,
      };
    }
  }
  return peak;
}

/** 409 with the figures when the booking's window needs more workers than MAX_WORKERS allows. */
export function assertWindowFits(
  booking: Booking,
  existing: readonly LabletInstance[],
  templates: readonly WorkerTemplate[],
  settings: BookingAdmissionSettings,
): void {
  if (!settings.capacityAdmission) return;
  const live = existing.filter((i) => !isTerminalInstanceState(i.state));
  const demand = windowDemand(booking, live, templates, settings.region);
  if (demand.workersNeeded <= settings.maxWorkers) return;
  throw new ProblemException(
    'conflict',
    `the booked demand at ${demand.peakAt} (${demand.instances} instances, ${demand.cpuCores} cpu, ${demand.memoryGb} GB, ${demand.nodes} nodes) needs at least ${demand.workersNeeded} workers, more than MAX_WORKERS (${settings.maxWorkers})`,
    {
      errors: [
        {
          field: 'timeslotStart',
          message: 'the fleet cannot hold this window',
        },
      ],
      demand,
      maxWorkers: settings.maxWorkers,
    },
  );
}
