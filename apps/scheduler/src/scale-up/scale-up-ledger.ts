import {
  addMinutes,
  buildScalingUpRequestedEvent,
  STARTING_WORKER_STATES,
  toEpochMs,
  type DomainEvent,
  type LabletInstance,
  type ScalingUpRequestedData,
  type Worker,
} from '@lcm/domain';
import { comparePendingQueue, type TemplateView } from '@lcm/scheduling';

/** A PENDING instance no worker takes, with the template `selectTemplate` chose for it. */
export interface ScaleUpNeed {
  instance: LabletInstance;
  template: TemplateView;
}

export interface ScaleUpLimits {
  leadTimeMinutes: number;
  maxWorkersPerTemplate: number;
  maxWorkers: number;
}

/** What the scheduler does about one template's shortage. */
export interface ScaleUpVerdict {
  template: string;
  /** Appended to the pending reason of the instances waiting for this template (stable text). */
  status: string;
  /** Present when a `lcm.scaling.up.requested` must be emitted now. */
  request?: { event: DomainEvent<ScalingUpRequestedData>; instanceIds: string[] };
}

/** Workers that no longer count against the limits. */
const NOT_LIVE = new Set<Worker['state']>(['terminated', 'failed']);
const REASON_IDS_SHOWN = 5;

/**
 * The rule for `lcm.scaling.up.requested` (one request per template, never a flood):
 *
 *  1. only instances whose timeslot starts within the lead time ask for a worker (SPEC B-5.4);
 *  2. none while the template has a worker pending or provisioning (a scale-up is in flight);
 *  3. none at `maxWorkersPerTemplate` workers of the template or `maxWorkers` in all (terminated and
 *     failed workers do not count);
 *  4. none while this leader's previous request for the template is unanswered (no new worker of
 *     the template has appeared) and younger than 2 x the lead time;
 *  5. otherwise one request, with a deterministic id: `${template}:${trigger}.${answers}.${window}:0`,
 *     where `trigger` is the first waiting instance in queue order, `answers` the number of workers of
 *     the template created since that instance was, and `window` the 2 x lead-time period since then.
 *     A new leader that does not know rule 4's memory computes the same id from the same state, and
 *     the create-only write refuses the duplicate.
 */
export class ScaleUpLedger {
  private readonly requested = new Map<string, { at: number; knownWorkers: Set<string> }>();

  constructor(private readonly limits: ScaleUpLimits) {}

  /** One verdict per template among `needs` (any order; all waiting instances of those templates). */
  decide(needs: readonly ScaleUpNeed[], workers: readonly Worker[], now: Date): Map<string, ScaleUpVerdict> {
    const byTemplate = new Map<string, { template: TemplateView; due: LabletInstance[] }>();
    const horizon = now.getTime() + this.limits.leadTimeMinutes * 60_000;
    for (const need of needs) {
      const group = byTemplate.get(need.template.name) ?? { template: need.template, due: [] };
      if (toEpochMs(need.instance.timeslotStart) <= horizon) group.due.push(need.instance);
      byTemplate.set(need.template.name, group);
    }
    const live = workers.filter((w) => !NOT_LIVE.has(w.state));
    const verdicts = new Map<string, ScaleUpVerdict>();
    for (const [name, { template, due }] of byTemplate) {
      if (due.length === 0) continue;
      verdicts.set(name, this.verdict(template, due.sort(comparePendingQueue), workers, live, now));
    }
    return verdicts;
  }

  /** The text for an instance that starts after the lead time: it asks for nothing yet. */
  deferredStatus(instance: LabletInstance, template: string): string {
    const dueAt = addMinutes(instance.timeslotStart, -this.limits.leadTimeMinutes);
    return `scale-up of ${template} deferred until ${dueAt} (lead time ${this.limits.leadTimeMinutes} min)`;
  }

  isDue(instance: LabletInstance, now: Date): boolean {
    return toEpochMs(instance.timeslotStart) <= now.getTime() + this.limits.leadTimeMinutes * 60_000;
  }

  /** The request for `template` is in the outbox (written now, or found there from an earlier leader). */
  recordRequested(template: string, workers: readonly Worker[], now: Date): void {
    this.requested.set(template, { at: now.getTime(), knownWorkers: new Set(workers.filter((w) => w.templateName === template).map((w) => w.id)) });
  }

  private verdict(template: TemplateView, due: LabletInstance[], workers: readonly Worker[], live: readonly Worker[], now: Date): ScaleUpVerdict {
    const name = template.name;
    const ofTemplate = workers.filter((w) => w.templateName === name);
    const starting = ofTemplate.filter((w) => STARTING_WORKER_STATES.includes(w.state)).map((w) => w.id).sort();
    if (starting.length > 0) return { template: name, status: `scale-up of ${name} in flight (worker ${starting.join(', ')} starting)` };
    const liveOfTemplate = live.filter((w) => w.templateName === name).length;
    if (liveOfTemplate >= this.limits.maxWorkersPerTemplate) return { template: name, status: `template ${name} is at its limit of ${this.limits.maxWorkersPerTemplate} workers` };
    if (live.length >= this.limits.maxWorkers) return { template: name, status: `at the limit of ${this.limits.maxWorkers} workers` };
    const previous = this.requested.get(name);
    const windowMs = this.windowMs();
    const answered = previous !== undefined && ofTemplate.some((w) => !previous.knownWorkers.has(w.id));
    if (previous && !answered && now.getTime() - previous.at < windowMs) return { template: name, status: `scale-up of ${name} requested` };

    const trigger = due[0];
    const answers = ofTemplate.filter((w) => toEpochMs(w.createdAt) >= toEpochMs(trigger.createdAt)).length;
    const window = Math.max(0, Math.floor((now.getTime() - toEpochMs(trigger.createdAt)) / windowMs));
    const ids = due.map((i) => i.id);
    const event = buildScalingUpRequestedEvent({
      template: name,
      reason: approachingReason(ids),
      now: now.toISOString(),
      startupTimeMinutes: template.startupTimeMinutes,
      requestKey: `${trigger.id}.${answers}.${window}`,
    });
    return { template: name, status: `scale-up of ${name} requested`, request: { event, instanceIds: ids } };
  }

  private windowMs(): number {
    return 2 * Math.max(1, this.limits.leadTimeMinutes) * 60_000;
  }
}

/** SPEC B-5.4's reason, with at most a few ids spelled out. */
function approachingReason(ids: readonly string[]): string {
  if (ids.length === 1) return `Instance ${ids[0]} approaching timeslot with no capacity`;
  const shown = ids.slice(0, REASON_IDS_SHOWN).join(', ');
  const more = ids.length > REASON_IDS_SHOWN ? `, and ${ids.length - REASON_IDS_SHOWN} more` : '';
  return `${ids.length} instances approaching timeslot with no capacity (${shown}${more})`;
}
