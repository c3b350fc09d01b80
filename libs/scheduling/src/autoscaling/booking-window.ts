import {
  addMinutes,
  DEFAULT_LEAD_TIME_MINUTES,
  instantiationAllowanceOf,
} from '@lcm/domain';
import type { LabletInstance } from '@lcm/domain';
import { runFilters } from '../placement/filter-pipeline';
import type { FilterPlugin } from '../placement/plugin';
import type { WorkerView } from '../placement/worker-view';
import { DEFAULT_FILTERS } from '../plugins/filters/default-filters';
import { selectTemplate } from '../templates/select-template';
import type { TemplateView } from '../templates/template-view';
import { scaleUpDueAt } from './scale-up';

export interface BookingWindowOptions {
  /** The deployment region (template selection). */
  region: string;
  /** LEAD_TIME_MINUTES: the lead time of an instance no template of the region can host. */
  defaultLeadTimeMinutes?: number;
  /**
   * INSTANTIATION_ALLOWANCE_MINUTES: the allowance of an instance whose definition declares none
   * (`instantiationAllowanceOf`), added to the template's start-up time.
   */
  instantiationAllowanceMinutes?: number;
  /**
   * The workers as placement sees them. Given, a booking a running worker has room for now waits
   * only the instantiation allowance (no worker must be started for it): it holds that room for the
   * allowance before its slot instead of the template's start-up plus the allowance. Omitted, every
   * window includes the start-up.
   */
  workers?: readonly WorkerView[];
  /** The scheduler's filters (with `workers`). */
  filters?: readonly FilterPlugin[];
}

/** When a booked (future) instance may take capacity and ports, and why then. */
export interface BookingWindow {
  /** Placement (and scale-up) begin at this time; before it the instance holds nothing. */
  opensAt: string;
  leadTimeMinutes: number;
  /** The template a worker for it would come from; null when none is eligible. */
  template: string | null;
  /** Human-readable: what the lead time is made of. */
  explanation: string;
}

/**
 * The booking window of an instance: it opens at `timeslotStart` minus the start-up time of the
 * template `selectTemplate` names plus the instance's instantiation allowance (its definition's,
 * else the deployment's: `instantiationAllowanceOf`), the instant `decideScaleUp` asks for its
 * worker so that the worker is running by the slot; or minus the global default lead time
 * when no template of the region can host it. With `workers`, a booking a running worker has room
 * for now needs no worker started: its window opens at the slot minus the allowance alone (issue
 * #14: "its start-up time when a worker must be started"). An ASAP instance's window is already open.
 */
export function bookingWindow(
  instance: Pick<LabletInstance, 'id' | 'spec' | 'timeslotStart'>,
  templates: readonly TemplateView[],
  options: BookingWindowOptions,
): BookingWindow {
  const allowance = instantiationAllowanceOf(
    instance,
    options.instantiationAllowanceMinutes,
  );
  const { template } = selectTemplate(instance.spec, templates, {
    region: options.region,
  });
  if (template === null) {
    const lead = options.defaultLeadTimeMinutes ?? DEFAULT_LEAD_TIME_MINUTES;
    return {
      opensAt: addMinutes(instance.timeslotStart, -lead),
      leadTimeMinutes: lead,
      template: null,
      explanation: `lead time ${lead} min`,
    };
  }
  if (
    options.workers !== undefined &&
    runFilters(options.filters ?? DEFAULT_FILTERS, options.workers, instance)
      .feasible.length > 0
  ) {
    return {
      opensAt: addMinutes(instance.timeslotStart, -allowance),
      leadTimeMinutes: allowance,
      template: template.name,
      explanation: `a running worker has room: instantiation allowance ${allowance} min`,
    };
  }
  return {
    opensAt: scaleUpDueAt(
      instance,
      template,
      options.instantiationAllowanceMinutes,
    ),
    leadTimeMinutes: template.startupTimeMinutes + allowance,
    template: template.name,
    explanation: `${template.name} start-up ${template.startupTimeMinutes} min + instantiation allowance ${allowance} min`,
  };
}

/** The `pendingReason` of an instance whose booking window is not open yet. */
export function bookingWindowReason(
  instance: Pick<LabletInstance, 'timeslotStart'>,
  window: BookingWindow,
): string {
  return `booked for ${instance.timeslotStart}: placed from ${window.opensAt} (${window.explanation})`;
}
