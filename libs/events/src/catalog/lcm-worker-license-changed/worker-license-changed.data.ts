import {
  LICENSE_STATUSES,
  LICENSE_TYPES,
  type LicenseStatus,
  type LicenseType,
  type WorkerLicenseChangedData,
} from '@lcm/domain';
import { IsIn, IsInt, Min } from 'class-validator';
import { WorkerEventPayload } from '../common/worker-event.data';
import { NullAllowed } from '../common/data-validators';

/**
 * `lcm.worker.license.changed` (lcm/controller): the licence the worker's lab engine reports changed
 * (type, status or node limit), or its first report runs no labs. Never a credential: the engine's
 * words for the status stay on the worker record.
 */
export class WorkerLicenseChangedPayload
  extends WorkerEventPayload
  implements WorkerLicenseChangedData
{
  @IsIn(LICENSE_TYPES)
  licenseType!: LicenseType;

  @IsIn(LICENSE_STATUSES)
  status!: LicenseStatus;

  @NullAllowed()
  @Min(0)
  @IsInt()
  nodeLimit!: number | null;

  @NullAllowed()
  @IsIn(LICENSE_STATUSES)
  previousStatus!: LicenseStatus | null;

  @Min(0)
  @IsInt()
  maxNodes!: number;
}
