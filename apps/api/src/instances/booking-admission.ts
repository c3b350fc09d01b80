import {
  toEpochMs,
  type InstanceSpec,
  type LabletInstance,
  type WorkerTemplate,
} from '@lcm/domain';
import { ProblemException } from '@lcm/runtime';
import { windowOverflow } from '@lcm/scheduling';

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

/** 409 with the figures when the booking's window needs more workers than MAX_WORKERS allows. */
export function assertWindowFits(
  booking: Booking,
  existing: Iterable<LabletInstance>,
  templates: readonly WorkerTemplate[],
  settings: BookingAdmissionSettings,
): void {
  if (!settings.capacityAdmission) return;
  // Terminal instances are skipped; the window is packed only when sums cannot prove it fits.
  const demand = windowOverflow(
    booking,
    existing,
    templates,
    settings.region,
    settings.maxWorkers,
  );
  if (demand === undefined) return;
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
