import { MAX_PAGE_LIMIT } from '@lcm/doc-store';
import { Type } from 'class-transformer';
import {
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

const WITH_ZONE = /(Z|[+-]\d{2}:\d{2})$/i;
const ZONE_MESSAGE =
  '$property must be an ISO-8601 time with a zone (Z or ±hh:mm)';

/** `GET /api/v1/audit/events` query parameters; anything else is refused (400 naming the field). */
export class ListAuditEventsQuery {
  /** An exact CloudEvent type, or a prefix when it ends with `.` or `*` (`lcm.lablet.instance.`). */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  type?: string;

  /** The aggregate id (instance or worker id). */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  subject?: string;

  /** The writing service, e.g. `lcm/controller`. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  source?: string;

  /** Events at or after this time. */
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(WITH_ZONE, { message: ZONE_MESSAGE })
  from?: string;

  /** Events before this time (exclusive). */
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(WITH_ZONE, { message: ZONE_MESSAGE })
  to?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit?: number;

  /** `nextCursor` of the previous page. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  cursor?: string;
}
