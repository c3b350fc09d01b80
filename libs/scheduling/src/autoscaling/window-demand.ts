import {
  isTerminalInstanceState,
  toEpochMs,
  type LabletInstance,
} from '@lcm/domain';
import { selectTemplate } from '../templates/select-template';
import type { TemplateView } from '../templates/template-view';

/*
 * How many workers a set of labs needs (first-fit decreasing over cpu, memory, storage and nodes),
 * and the booked demand of a calendar window against MAX_WORKERS: the one home of both rules (the
 * api's admission, the capacity forecast and the autoscaler's sizing use them).
 */

type Spec = Pick<LabletInstance['spec'], 'requirements' | 'nodeCount'>;
type Capacity = Pick<TemplateView, 'capacity' | 'maxNodes'>;

/** Tolerance of a fit (shares of a worker add up in floating point). */
const FIT_EPSILON = 1e-9;

/** Labs of one size on one template: its share of a worker per dimension, and how many fill one. */
interface Shape {
  key: string;
  /** Share of one worker per dimension: cpu, memory, storage, nodes. */
  share: [number, number, number, number];
  largest: number;
  /** How many fit on an empty worker, counted as the packing counts them (at least 1). */
  perWorker: number;
}

const shapes = new WeakMap<Capacity, Map<string, Shape>>();

function sizeKey(spec: Spec): string {
  const r = spec.requirements;
  return `${r.cpuCores}/${r.memoryGb}/${r.storageGb}/${spec.nodeCount}`;
}

function fits(used: number[], share: readonly number[]): boolean {
  return (
    used[0] + share[0] <= 1 + FIT_EPSILON &&
    used[1] + share[1] <= 1 + FIT_EPSILON &&
    used[2] + share[2] <= 1 + FIT_EPSILON &&
    used[3] + share[3] <= 1 + FIT_EPSILON
  );
}

function add(used: number[], share: readonly number[]): void {
  used[0] += share[0];
  used[1] += share[1];
  used[2] += share[2];
  used[3] += share[3];
}

/** The shape of `spec` on `template`, worked out once per template object and size. */
function shapeOf(spec: Spec, template: Capacity): Shape {
  let byKey = shapes.get(template);
  if (!byKey) shapes.set(template, (byKey = new Map()));
  const key = sizeKey(spec);
  let shape = byKey.get(key);
  if (shape) return shape;
  const share: Shape['share'] = [
    spec.requirements.cpuCores / template.capacity.cpuCores,
    spec.requirements.memoryGb / template.capacity.memoryGb,
    spec.requirements.storageGb / template.capacity.storageGb,
    spec.nodeCount / template.maxNodes,
  ];
  const largest = Math.max(...share);
  let perWorker = Infinity;
  if (largest > 0) {
    const used = [...share];
    perWorker = 1;
    while (fits(used, share)) {
      add(used, share);
      perWorker++;
    }
  }
  shape = { key, share, largest, perWorker };
  byKey.set(key, shape);
  return shape;
}

/** Labs of one shape and how many of them. */
interface Group {
  shape: Shape;
  count: number;
}

/** Largest share first; equal ones in a fixed order (by size), so labs of one size stay together. */
function byDecreasingSize(a: Group, b: Group): number {
  if (a.shape.largest !== b.shape.largest)
    return b.shape.largest - a.shape.largest;
  for (let d = 0; d < 4; d++)
    if (a.shape.share[d] !== b.shape.share[d])
      return b.shape.share[d] - a.shape.share[d];
  return 0;
}

/**
 * First-fit decreasing over groups of equal labs. Labs of one size are consecutive in the order, and
 * a lab that did not fit a worker never fits it later (workers only fill up), so each group fills
 * the workers from where the previous lab of the group went: the same workers as placing the labs
 * one by one, in O(workers) per group instead of O(workers) per lab.
 */
function packGroups(groups: Group[]): number {
  groups.sort(byDecreasingSize);
  const workers: number[][] = [];
  for (const { shape, count } of groups) {
    let left = count;
    for (let w = 0; left > 0 && w < workers.length; w++) {
      const used = workers[w];
      while (left > 0 && fits(used, shape.share)) {
        add(used, shape.share);
        left--;
      }
    }
    while (left > 0) {
      const used = [...shape.share];
      left--;
      while (left > 0 && fits(used, shape.share)) {
        add(used, shape.share);
        left--;
      }
      workers.push(used);
    }
  }
  return workers.length;
}

/** Per template, the labs live at an instant (or in a window), summed for workerBound. */
interface TemplateLoad {
  labs: number;
  groups: Map<string, Group>;
  volume: [number, number, number, number];
  largest: [number, number, number, number];
}

function newLoad(): TemplateLoad {
  return {
    labs: 0,
    groups: new Map(),
    volume: [0, 0, 0, 0],
    largest: [0, 0, 0, 0],
  };
}

function addLab(load: TemplateLoad, shape: Shape): void {
  load.labs++;
  const group = load.groups.get(shape.key);
  if (group) group.count++;
  else load.groups.set(shape.key, { shape, count: 1 });
  for (let d = 0; d < 4; d++) {
    load.volume[d] += shape.share[d];
    if (shape.share[d] > load.largest[d]) load.largest[d] = shape.share[d];
  }
}

/**
 * An upper bound of packGroups' answer, from sums alone (no packing), that only grows when labs are
 * added, so a bound of a superset bounds every subset:
 *  - no more workers than labs;
 *  - per group, ceil(count / perWorker): packGroups opens a worker for a group only once the
 *    workers before it are too full for the group's next lab, and a new worker takes perWorker of
 *    them (or the rest);
 *  - 1 + sum over dimensions of volume_d / (1 - largest share_d): every worker but the last was too
 *    full in some dimension d for a lab that came later, i.e. filled beyond 1 - share_d there.
 */
function workerBound(load: TemplateLoad): number {
  if (load.labs === 0) return 0;
  let byGroups = 0;
  for (const { shape, count } of load.groups.values())
    byGroups +=
      shape.perWorker === Infinity ? 1 : Math.ceil(count / shape.perWorker);
  let byVolume = 1;
  for (let d = 0; d < 4; d++) {
    if (load.volume[d] === 0) continue;
    if (load.largest[d] >= 1) {
      byVolume = Infinity;
      break;
    }
    byVolume += Math.floor(load.volume[d] / (1 - load.largest[d]) + 1e-7);
  }
  return Math.min(load.labs, byGroups, byVolume);
}

/**
 * How many workers of `template` hold these labs at once: first-fit decreasing over cpu, memory,
 * storage and nodes (ports are plentiful on a template). Within 11/9 of the optimum plus one.
 */
export function workersToHold(
  specs: readonly Spec[],
  template: Capacity,
): number {
  const groups = new Map<string, Group>();
  for (const spec of specs) {
    const shape = shapeOf(spec, template);
    const group = groups.get(shape.key);
    if (group) group.count++;
    else groups.set(shape.key, { shape, count: 1 });
  }
  return packGroups([...groups.values()]);
}

/** A booking as the calendar sees it. */
export type Booked = Pick<
  LabletInstance,
  'spec' | 'timeslotStart' | 'timeslotEnd'
>;

/** The peak of the booked demand over a booking's slot, as the workers it needs (see windowDemand). */
export interface WindowDemand {
  /** When the peak is reached (within the booking's slot). */
  peakAt: string;
  instances: number;
  cpuCores: number;
  memoryGb: number;
  nodes: number;
  /** At least this many workers hold the peak (per template: first-fit decreasing, workersToHold). */
  workersNeeded: number;
}

interface Slot {
  booked: Booked;
  start: number;
  end: number;
  template: TemplateView | null;
  shape: Shape | null;
}

/** Per record and template list: the calendar hands over the same record objects until they change. */
const slots = new WeakMap<
  Booked,
  { templates: readonly TemplateView[]; region: string; slot: Slot }
>();

function slotOf(
  booked: Booked,
  templates: readonly TemplateView[],
  region: string,
): Slot {
  const known = slots.get(booked);
  if (known && known.templates === templates && known.region === region)
    return known.slot;
  const template = selectTemplate(booked.spec, templates, { region })
    .template as TemplateView | null;
  const slot = {
    booked,
    start: toEpochMs(booked.timeslotStart),
    end: toEpochMs(booked.timeslotEnd),
    template,
    shape: template ? shapeOf(booked.spec, template) : null,
  };
  slots.set(booked, { templates, region, slot });
  return slot;
}

/** The booking and every live booking whose slot overlaps it. */
function overlapping(
  booking: Booked,
  existing: Iterable<Booked & Partial<Pick<LabletInstance, 'state'>>>,
  templates: readonly TemplateView[],
  region: string,
): { from: number; to: number; within: Slot[] } {
  const first = slotOf(booking, templates, region);
  const within = [first];
  for (const booked of existing) {
    if (booked.state !== undefined && isTerminalInstanceState(booked.state))
      continue;
    const slot = slotOf(booked, templates, region);
    if (slot.start < first.end && slot.end > first.start) within.push(slot);
  }
  return { from: first.start, to: first.end, within };
}

/** Per template, the labs of `slots` live at `t` (all of them when t is undefined). */
function loadsAt(
  within: readonly Slot[],
  t?: number,
): { loads: Map<TemplateView, TemplateLoad>; live: Slot[] } {
  const loads = new Map<TemplateView, TemplateLoad>();
  const live: Slot[] = [];
  for (const slot of within) {
    if (t !== undefined && !(slot.start <= t && slot.end > t)) continue;
    live.push(slot);
    if (!slot.template || !slot.shape) continue;
    let load = loads.get(slot.template);
    if (!load) loads.set(slot.template, (load = newLoad()));
    addLab(load, slot.shape);
  }
  return { loads, live };
}

function boundOf(loads: Map<TemplateView, TemplateLoad>): number {
  let bound = 0;
  for (const load of loads.values()) bound += workerBound(load);
  return bound;
}

function workersFor(loads: Map<TemplateView, TemplateLoad>): number {
  let needed = 0;
  for (const load of loads.values())
    needed += packGroups([...load.groups.values()]);
  return needed;
}

/**
 * The booked demand at its peak during `booking`'s slot, the booking included: every live booking
 * whose slot overlaps it, counted where they overlap each other (the demand only grows at a slot's
 * start, so the peak is at the booking's start or at one within it). The workers needed per
 * template `selectTemplate` names are workersToHold's; the peak is the instant needing the most
 * workers (then the one with the most instances). Terminal instances (with a `state`) are skipped.
 *
 * With `limit`, only instants that could need more than `limit` workers are packed (an upper bound
 * from sums proves the others fit, see workerBound): the answer is the same peak whenever it needs
 * more than `limit`, and one needing at most `limit` otherwise (not necessarily the peak).
 */
export function windowDemand(
  booking: Booked,
  existing: Iterable<Booked & Partial<Pick<LabletInstance, 'state'>>>,
  templates: readonly TemplateView[],
  region: string,
  limit = -1,
): WindowDemand {
  const { from, to, within } = overlapping(
    booking,
    existing,
    templates,
    region,
  );
  let peak: WindowDemand = {
    peakAt: booking.timeslotStart,
    instances: 0,
    cpuCores: 0,
    memoryGb: 0,
    nodes: 0,
    workersNeeded: 0,
  };
  // The whole window's labs bound every instant's: usually that alone proves the booking fits.
  if (limit >= 0 && boundOf(loadsAt(within).loads) <= limit) return peak;
  const instants = [
    ...new Set([
      from,
      ...within.map(({ start }) => start).filter((t) => t > from && t < to),
    ]),
  ].sort((a, b) => a - b);
  for (const t of instants) {
    const { loads, live } = loadsAt(within, t);
    // Not packed: an instant that can neither exceed the limit nor reach the peak found so far.
    if (boundOf(loads) < Math.max(limit + 1, peak.workersNeeded)) continue;
    const workersNeeded = workersFor(loads);
    if (
      workersNeeded > peak.workersNeeded ||
      (workersNeeded === peak.workersNeeded && live.length > peak.instances)
    ) {
      let cpuCores = 0;
      let memoryGb = 0;
      let nodes = 0;
      for (const { booked } of live) {
        cpuCores += booked.spec.requirements.cpuCores;
        memoryGb += booked.spec.requirements.memoryGb;
        nodes += booked.spec.nodeCount;
      }
      peak = {
        peakAt: new Date(t).toISOString(),
        instances: live.length,
        cpuCores,
        memoryGb,
        nodes,
        workersNeeded,
      };
    }
  }
  return peak;
}

/**
 * The peak demand of `booking`'s window when it needs more than `maxWorkers` workers (the booking
 * cannot be held), undefined when it fits. Cheap when the window is far from the limit: no packing.
 */
export function windowOverflow(
  booking: Booked,
  existing: Iterable<Booked & Partial<Pick<LabletInstance, 'state'>>>,
  templates: readonly TemplateView[],
  region: string,
  maxWorkers: number,
): WindowDemand | undefined {
  const demand = windowDemand(booking, existing, templates, region, maxWorkers);
  return demand.workersNeeded > maxWorkers ? demand : undefined;
}
