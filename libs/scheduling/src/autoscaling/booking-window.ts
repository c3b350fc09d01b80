import { addMinutes, DEFAULT_LEAD_TIME_MINUTES } from '@lcm/domain';
import type { LabletInstance } from '@lcm/domain';
import { selectTemplate } from '../templates/select-template';
import type { TemplateView } from '../templates/template-view';
import {
  DEFAULT_INSTANTIATION_ALLOWANCE_MINUTES,
  scaleUpDueAt,
} from './scale-up';

export interface BookingWindowOptions {
  /** The deployment region (template selection). */
  region: string;
  /** LEAD_TIME_MINUTES: the lead time of an instance no template of the region can host. */
  defaultLeadTimeMinutes?: number;
  /** INSTANTIATION_ALLOWANCE_MINUTES: added to the template's start-up time. */
  instantiationAllowanceMinutes?: number;
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
 * template `selectTemplate` names plus the instantiation allowance (the same instant `decideScaleUp`
 * asks for its worker, so the worker is running by the slot), or minus the global default lead time
 * when no template of the region can host it. An ASAP instance's window is already open.
 */
export function bookingWindow(
  instance: Pick<LabletInstance, 'spec' | 'timeslotStart'>,
  templates: readonly TemplateView[],
  options: BookingWindowOptions,
): BookingWindow {
  const allowance =
    options.instantiationAllowanceMinutes ??
    DEFAULT_INSTANTIATION_ALLOWANCE_MINUTES;
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
  return {
    opensAt: scaleUpDueAt(instance, template, allowance),
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
