import type { InstanceState } from '../instance/instance-state';

/** One entry of a record's `stateHistory`. `from` is null for the creating transition. */
export interface StateTransition<S extends string = InstanceState> {
  from: S | null;
  to: S;
  at: string;
  triggeredBy: string;
  reason?: string;
}
