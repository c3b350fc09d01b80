import { ValidationError } from '../errors';
import { assertIsoTimestamp } from './iso-timestamp';

/** Who and when, passed to every transition. `now` is ISO-8601; the domain never reads the clock. */
export interface TransitionContext {
  now: string;
  /** A user id, `system`, or the writing service (`lcm/scheduler`). */
  triggeredBy: string;
  reason?: string;
}

export function assertTransitionContext(context: TransitionContext): void {
  assertIsoTimestamp(context.now, 'now');
  if (
    typeof context.triggeredBy !== 'string' ||
    context.triggeredBy.trim() === ''
  ) {
    throw new ValidationError('triggeredBy', 'must name who caused the change');
  }
}

/** For edges that must say why (failures, forced terminations, retries). */
export function requireReason(context: TransitionContext): string {
  if (typeof context.reason !== 'string' || context.reason.trim() === '') {
    throw new ValidationError('reason', 'this transition needs a reason');
  }
  return context.reason;
}
