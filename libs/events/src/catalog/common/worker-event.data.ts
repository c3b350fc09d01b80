import {
  WORKER_STATES,
  type WorkerEventData,
  type WorkerState,
} from '@lcm/domain';
import { IsIn } from 'class-validator';
import { IsNonBlankString, IsTimestamp, NullAllowed } from './data-validators';

/**
 * The fields every worker event carries, except `reason`: `lcm.worker.drain.cancelled` narrows
 * it to `admin_action`, so that class declares its own (see InstanceEventCommonFields for why).
 */
export abstract class WorkerEventCommonFields
  implements Omit<WorkerEventData, 'reason'>
{
  @IsNonBlankString()
  workerId!: string;

  @IsNonBlankString()
  templateName!: string;

  @NullAllowed()
  @IsIn(WORKER_STATES)
  previousState!: WorkerState | null;

  @IsIn(WORKER_STATES)
  newState!: WorkerState;

  @IsTimestamp()
  timestamp!: string;

  @IsNonBlankString()
  triggeredBy!: string;
}

/** Every worker event field, with the free-text reason (`scale_up`, `drain_complete`, ...). */
export class WorkerEventPayload
  extends WorkerEventCommonFields
  implements WorkerEventData
{
  @IsNonBlankString()
  reason!: string;
}
