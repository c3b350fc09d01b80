// Capacity that starts every booked lab on time: the real scheduling library (queue order,
// placement, booking windows) and the real controller reconcilers (scale-up sized to demand,
// worker and instance lifecycles, scale-down) on the simulated fleet with the realistic profile
// (worker boot 15 min + engine start 3 min, lab import and start 2 min) and a manual clock, so a
// simulated day takes seconds to minutes. The lab's definition declares how long it takes to
// instantiate (its lab start plus a margin), as a definition of a real lab would:
//  - a burst of 300 ASAP labs (30 workers' worth): time to all running over one boot + one lab start;
//  - a seeded day of 1,000 bookings (classes of 10-60 on the hour, ASAP walk-ins, 30-120 min):
//    the share started on time, worker-hours over the lower bound (booked resource-hours over one
//    worker's capacity) and the peak of workers.
import {
  type LabletDefinition,
  type LabletInstance,
  type Worker,
} from '@lcm/domain';
import {
  bookingWindow,
  DEFAULT_SCALE_DOWN_GRACE_PERIOD_MINUTES,
  type TemplateView,
} from '@lcm/scheduling';
import {
  ControllerHarness,
  labDefinition,
  MINUTE,
  personalTemplate,
} from '../../apps/controller/test';
import { report, type BenchRow } from './bench-report';

const STEP_MS = Number(process.env['BENCH_STEP_SECONDS'] ?? 60) * 1000;
const BURST = Number(process.env['BENCH_BURST'] ?? 300);
const BOOKINGS = Number(process.env['BENCH_BOOKINGS'] ?? 1000);
const SEED = Number(process.env['BENCH_SEED'] ?? 14);
// The window as the scheduler opens it: with its workers, a booking a running worker has room for
// waits only the instantiation allowance (bookingWindow's `workers`); 0: without them (every
// booking waits its template's start-up too), for comparison.
const WORKER_AWARE_WINDOW = process.env['BENCH_WORKER_AWARE_WINDOW'] !== '0';
// The realistic profile, but the calls that sleep on the clock (API latency, lab import and stop:
// seconds) take none: with a manual clock a sleep would wait for a step that never comes mid-pass.
const FLEET = {
  profile: 'realistic' as const,
  apiLatencyMs: 0,
  labImportMs: 0,
  labStopMs: 0,
};
const SETTINGS = {
  autoCollectAtTimeslotEnd: false,
  maxWorkers: 200,
  maxWorkersPerTemplate: 200,
  maxScaleUpInFlight: 200,
  statusSyncSeconds: 300,
  licenseSyncSeconds: 300,
  // The controller's default, not the unit-test harness's 30 minutes.
  scaleDownGracePeriodMinutes: DEFAULT_SCALE_DOWN_GRACE_PERIOD_MINUTES,
};
/** What the lab's definition adds to its lab start (import and start) as its instantiation allowance. */
const ALLOWANCE_MARGIN_MINUTES = Number(
  process.env['BENCH_ALLOWANCE_MARGIN_MINUTES'] ?? 3,
);
const LIVE: readonly Worker['state'][] = [
  'pending',
  'provisioning',
  'running',
  'draining',
  'stopping',
];

/** mulberry32: a small seeded generator, so every run books the same day. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function harness(): Promise<{
  h: ControllerHarness;
  templates: TemplateView[];
  definition: LabletDefinition;
}> {
  const h = await ControllerHarness.create({
    templates: [personalTemplate()],
    settings: SETTINGS,
    fleet: FLEET,
  });
  const templates = (await h.docs.templates.list({ limit: 100 })).items;
  // The realistic profile's lab start (import and start) plus a margin, in whole minutes.
  const labStartMs = h.fleet.latency.labImportMs + h.fleet.latency.labStartMs;
  const definition = await h.docs.definitions.create(
    labDefinition({
      version: '1.1.0',
      instantiationAllowanceMinutes:
        Math.ceil(labStartMs / MINUTE) + ALLOWANCE_MARGIN_MINUTES,
    }),
  );
  return { h, templates, definition };
}

/** One simulated step: the scheduler places what its booking window allows, the controller passes. */
async function step(
  h: ControllerHarness,
  templates: readonly TemplateView[],
): Promise<void> {
  const now = h.clock.now();
  const options = {
    region: h.settings.region,
    defaultLeadTimeMinutes: h.settings.leadTimeMinutes,
    instantiationAllowanceMinutes: h.settings.instantiationAllowanceMinutes,
  };
  const workers = WORKER_AWARE_WINDOW
    ? (await h.workers.list()).items.map((v) => ({
        worker: v.worker.value,
        capacity: v.capacity.value,
        ports: v.ports.value,
      }))
    : undefined;
  await h.place(
    (instance) =>
      Date.parse(
        bookingWindow(instance, templates, { ...options, workers }).opensAt,
      ) <= now,
  );
  await h.pass();
}

/** First running times, kept before terminated records are removed. */
function noteRunning(
  instances: readonly LabletInstance[],
  firstRunning: Map<string, number>,
): void {
  for (const instance of instances) {
    if (firstRunning.has(instance.id)) continue;
    const ran = instance.stateHistory.find((s) => s.to === 'running');
    if (ran) firstRunning.set(instance.id, Date.parse(ran.at));
  }
}

async function burst(): Promise<BenchRow[]> {
  const { h, templates, definition } = await harness();
  const t0 = h.clock.now();
  for (let i = 0; i < BURST; i++)
    await h.createInstance({ durationMinutes: 120, definition });
  let peak = 0;
  const started = performance.now();
  for (;;) {
    await step(h, templates);
    const instances = await h.instanceList();
    peak = Math.max(
      peak,
      (await h.workerList()).filter((w) => LIVE.includes(w.state)).length,
    );
    if (instances.every((i) => i.state === 'running')) break;
    if (h.clock.now() - t0 > 6 * 60 * MINUTE)
      throw new Error('burst: not all running after 6 simulated hours');
    await h.clock.advance(STEP_MS);
  }
  const wallMs = performance.now() - started;
  const elapsedMin = (h.clock.now() - t0) / MINUTE;
  const fleet = h.fleet.latency;
  const idealMin =
    (fleet.bootTimeMs +
      fleet.serviceStartMs +
      fleet.labImportMs +
      fleet.labStartMs) /
    MINUTE;
  const ratio = elapsedMin / idealMin;
  await h.close();
  return [
    {
      figure: 'burst: time to all running / (one boot + one lab start)',
      value: ratio,
      unit: 'x',
      baseline: 'goal',
      baselineValue: 1.2,
      ratio: 1.2 / ratio,
      note: `${BURST} labs on ${peak} workers: ${elapsedMin.toFixed(1)} simulated min, one boot + one lab start = ${idealMin.toFixed(1)} min; step ${STEP_MS / 1000} s; ${(wallMs / 1000).toFixed(1)} s wall`,
    },
  ];
}

/**
 * Where the worker-hours of the day go, minute by minute per live worker: booting (pending,
 * provisioning), running with labs (the labs' share inside their booked slot, their share held
 * outside it, and the rest of the worker unused: fragmentation), idle while running (before its
 * first lab since it started, between labs, after its last lab until it stops) and stopping
 * (draining, stopping).
 */
interface Breakdown {
  booting: number;
  labInSlot: number;
  labOutsideSlot: number;
  fragmentation: number;
  idleBeforeFirstLab: number;
  idleBetweenLabs: number;
  idleBeforeStop: number;
  stopping: number;
}

/** Per worker: the idle minutes since its last lab (or start), and whether it has had a lab since starting. */
interface IdleRun {
  minutes: number;
  hadLab: boolean;
}

/**
 * Notes one step in `breakdown` and returns the labs' total share of a worker in it (running
 * workers only): the fewest whole workers that could hold them at that instant is its ceiling.
 */
function noteBreakdown(
  workers: readonly Worker[],
  instances: readonly LabletInstance[],
  share: number,
  now: number,
  stepMs: number,
  breakdown: Breakdown,
  idle: Map<string, IdleRun>,
): number {
  let labsShare = 0;
  const onWorker = new Map<string, LabletInstance[]>();
  for (const instance of instances) {
    if (instance.workerId === null || instance.state === 'terminated') continue;
    onWorker.set(instance.workerId, [
      ...(onWorker.get(instance.workerId) ?? []),
      instance,
    ]);
  }
  for (const worker of workers) {
    const run = idle.get(worker.id) ?? { minutes: 0, hadLab: false };
    if (!LIVE.includes(worker.state)) {
      // Stopped (or gone): the idle minutes since its last lab were spent waiting to stop.
      if (run.hadLab) breakdown.idleBeforeStop += run.minutes;
      else breakdown.idleBeforeFirstLab += run.minutes;
      idle.delete(worker.id);
      continue;
    }
    if (worker.state === 'pending' || worker.state === 'provisioning') {
      breakdown.booting += stepMs;
      idle.set(worker.id, { minutes: 0, hadLab: false });
      continue;
    }
    if (worker.state === 'draining' || worker.state === 'stopping') {
      breakdown.stopping += stepMs;
      continue;
    }
    const labs = onWorker.get(worker.id) ?? [];
    if (labs.length === 0) {
      idle.set(worker.id, { ...run, minutes: run.minutes + stepMs });
      continue;
    }
    if (run.hadLab) breakdown.idleBetweenLabs += run.minutes;
    else breakdown.idleBeforeFirstLab += run.minutes;
    idle.set(worker.id, { minutes: 0, hadLab: true });
    let used = 0;
    for (const lab of labs) {
      used += share;
      const inSlot =
        Date.parse(lab.timeslotStart) <= now &&
        now < Date.parse(lab.timeslotEnd);
      if (inSlot) breakdown.labInSlot += share * stepMs;
      else breakdown.labOutsideSlot += share * stepMs;
    }
    breakdown.fragmentation += Math.max(0, 1 - used) * stepMs;
    labsShare += used;
  }
  return labsShare;
}

interface Booked {
  start: number;
  minutes: number;
  walkIn: boolean;
}

/** A seeded day: classes of 10-60 on the hour from 07:00 to 20:00, the rest ASAP walk-ins. */
function day(t0: number): Booked[] {
  const random = rng(SEED);
  const HOUR = 60 * MINUTE;
  const bookings: Booked[] = [];
  const walkIns = Math.round(BOOKINGS * 0.1);
  while (bookings.length < BOOKINGS - walkIns) {
    const size = Math.min(
      BOOKINGS - walkIns - bookings.length,
      10 + Math.floor(random() * 51),
    );
    const start = t0 + (7 + Math.floor(random() * 14)) * HOUR;
    const minutes = 30 + Math.floor(random() * 4) * 30;
    for (let i = 0; i < size; i++)
      bookings.push({ start, minutes, walkIn: false });
  }
  for (let i = 0; i < walkIns; i++)
    bookings.push({
      start: t0 + 6 * HOUR + Math.floor(random() * 15 * HOUR),
      minutes: 30 + Math.floor(random() * 91),
      walkIn: true,
    });
  return bookings.sort((a, b) => a.start - b.start);
}

/** The day's worker-hours breakdown, for the results file. */
let lastBreakdown: Record<string, number> = {};
/** The day's fragmentation at best (hours), for the results file. */
let lastPackingFloorHours = 0;

async function bookedDay(): Promise<BenchRow[]> {
  const { h, templates, definition } = await harness();
  const t0 = h.clock.now();
  const bookings = day(t0);
  const classes = bookings.filter((b) => !b.walkIn);
  const walkIns = bookings.filter((b) => b.walkIn);
  // Classes are booked at the start of the day; walk-ins arrive when they start.
  const ids = new Map<string, Booked>();
  for (const booking of classes)
    ids.set(
      (
        await h.createInstance({
          startInMinutes: (booking.start - t0) / MINUTE,
          durationMinutes: booking.minutes,
          definition,
        })
      ).id,
      booking,
    );
  const end =
    Math.max(...bookings.map((b) => b.start + b.minutes * MINUTE)) +
    60 * MINUTE;
  // One lab takes a tenth of a worker (its tightest dimensions: storage and nodes).
  const template = templates[0];
  const share = Math.max(
    4 / template.capacity.cpuCores,
    8 / template.capacity.memoryGb,
    50 / template.capacity.storageGb,
    2 / template.maxNodes,
  );
  const breakdown: Breakdown = {
    booting: 0,
    labInSlot: 0,
    labOutsideSlot: 0,
    fragmentation: 0,
    idleBeforeFirstLab: 0,
    idleBetweenLabs: 0,
    idleBeforeStop: 0,
    stopping: 0,
  };
  const idleRuns = new Map<string, IdleRun>();
  const firstRunning = new Map<string, number>();
  let next = 0;
  let workerMs = 0;
  /**
   * The part of the fragmentation no placement could avoid, even one that moved every lab each
   * minute (LCM never moves a lab): the labs of each step on the fewest whole workers.
   */
  let packingFloorMs = 0;
  let peak = 0;
  const started = performance.now();
  while (h.clock.now() < end) {
    while (next < walkIns.length && walkIns[next].start <= h.clock.now()) {
      ids.set(
        (
          await h.createInstance({
            durationMinutes: walkIns[next].minutes,
            definition,
          })
        ).id,
        walkIns[next],
      );
      next++;
    }
    await step(h, templates);
    const instances = await h.instanceList();
    const workers = await h.workerList();
    noteRunning(instances, firstRunning);
    const labsShare = noteBreakdown(
      workers,
      instances,
      share,
      h.clock.now(),
      STEP_MS,
      breakdown,
      idleRuns,
    );
    // Rounding to whole workers (a small epsilon: the shares are sums of tenths).
    packingFloorMs += (Math.ceil(labsShare - 1e-9) - labsShare) * STEP_MS;
    const live = workers.filter((w) => LIVE.includes(w.state)).length;
    peak = Math.max(peak, live);
    workerMs += live * STEP_MS;
    await h.clock.advance(STEP_MS);
  }
  const wallMs = performance.now() - started;
  // Workers still up at the end: their idle minutes since the last lab count as before a stop.
  for (const run of idleRuns.values()) {
    if (run.hadLab) breakdown.idleBeforeStop += run.minutes;
    else breakdown.idleBeforeFirstLab += run.minutes;
  }
  let onTime = 0;
  for (const [id, booking] of ids) {
    if (booking.walkIn) continue;
    const ran = firstRunning.get(id);
    if (ran !== undefined && ran <= booking.start) onTime++;
  }
  const walkInDelays = [...ids]
    .filter(([, b]) => b.walkIn)
    .map(([id, b]) => ((firstRunning.get(id) ?? Infinity) - b.start) / MINUTE);
  const lowerBoundHours = bookings.reduce(
    (sum, b) => sum + (b.minutes / 60) * share,
    0,
  );
  const workerHours = workerMs / (60 * MINUTE);
  const onTimePct = (100 * onTime) / classes.length;
  await h.close();
  const hours = (ms: number) => ms / (60 * MINUTE);
  const parts = Object.entries(breakdown).map(
    ([name, ms]) =>
      `${name} ${hours(ms).toFixed(1)} (${((100 * ms) / workerMs).toFixed(0)} %)`,
  );
  const packingFloor = `fragmentation at best ${hours(packingFloorMs).toFixed(1)} (labs repacked on the fewest workers every step)`;
  console.log(
    `worker-hours breakdown (${workerHours.toFixed(1)} worker-hours, lower bound ${lowerBoundHours.toFixed(1)}):\n  ${parts.join('\n  ')}\n  ${packingFloor}`,
  );
  lastPackingFloorHours = hours(packingFloorMs);
  lastBreakdown = Object.fromEntries(
    Object.entries(breakdown).map(([name, ms]) => [name, hours(ms)]),
  );
  const note = `${WORKER_AWARE_WINDOW ? 'worker-aware booking window; ' : ''}instantiation allowance ${definition.instantiationAllowanceMinutes} min (the definition's); ${classes.length} class bookings, ${walkIns.length} walk-ins (p50 ${quantile(walkInDelays, 0.5).toFixed(1)}, p90 ${quantile(walkInDelays, 0.9).toFixed(1)}, max ${quantile(walkInDelays, 1).toFixed(1)} min to running); seed ${SEED}, step ${STEP_MS / 1000} s, ${(wallMs / 1000).toFixed(1)} s wall`;
  return [
    {
      figure: 'bookings started on time',
      value: onTimePct,
      unit: '%',
      baseline: 'goal',
      baselineValue: 99,
      ratio: onTimePct / 99,
      note,
    },
    {
      figure: 'worker-hours / lower bound',
      value: workerHours / lowerBoundHours,
      unit: 'x',
      baseline: 'goal',
      baselineValue: 1.3,
      ratio: 1.3 / (workerHours / lowerBoundHours),
      note: `${workerHours.toFixed(1)} worker-hours, lower bound ${lowerBoundHours.toFixed(1)}; ${parts.join(', ')}; ${packingFloor}`,
    },
    {
      figure: 'peak workers',
      value: peak,
      unit: 'count',
      baseline: 'lower bound at the peak hour',
      baselineValue: peakLowerBound(bookings, share),
      ratio: peakLowerBound(bookings, share) / peak,
    },
  ];
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN
  );
}

/** The most labs booked at once, in workers. */
function peakLowerBound(bookings: readonly Booked[], share: number): number {
  let most = 0;
  for (const { start } of bookings) {
    const at = bookings.filter(
      (b) => b.start <= start && b.start + b.minutes * MINUTE > start,
    ).length;
    most = Math.max(most, at);
  }
  return Math.ceil(most * share);
}

async function main(): Promise<void> {
  const rows = [...(await burst()), ...(await bookedDay())];
  report('capacity', rows, {
    stepSeconds: STEP_MS / 1000,
    burst: BURST,
    bookings: BOOKINGS,
    seed: SEED,
    workerHoursBreakdown: lastBreakdown,
    fragmentationAtBestHours: lastPackingFloorHours,
  });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
