import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, Max, Min } from 'class-validator';

export class ForecastQueryDto {
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'first step (default: now)',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'end, exclusive (default: from + 24 h)',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 1440,
    default: 60,
    description: 'step length in minutes',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1440)
  step?: number;
}

export class ForecastDemandDto {
  @ApiProperty() instances!: number;
  @ApiProperty() cpuCores!: number;
  @ApiProperty() memoryGb!: number;
  @ApiProperty() nodes!: number;
}

export class ForecastFreeDto {
  @ApiProperty({ description: 'negative: short' }) cpuCores!: number;
  @ApiProperty() memoryGb!: number;
  @ApiProperty() nodes!: number;
}

export class ForecastTemplateDto {
  @ApiProperty() template!: string;
  @ApiProperty({ description: 'workers running now' }) running!: number;
  @ApiProperty({
    description:
      'of the running workers, those that take no new labs (cordoned, or their lab engine licence runs no labs)',
  })
  unavailable!: number;
  @ApiProperty({ description: 'workers requested and still starting now' })
  starting!: number;
  @ApiProperty({ description: 'workers the step’s demand needs at least' })
  needed!: number;
  @ApiProperty({
    description:
      'workers the scale-up will have to start beyond the available running and the starting ones',
  })
  planned!: number;
}

export class BookingAtRiskDto {
  @ApiProperty() instanceId!: string;
  @ApiProperty({ format: 'date-time' }) timeslotStart!: string;
  @ApiProperty() reason!: string;
}

export class ForecastStepDto {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ type: ForecastDemandDto }) demand!: ForecastDemandDto;
  @ApiProperty({ type: [ForecastTemplateDto] })
  templates!: ForecastTemplateDto[];
  @ApiProperty({ type: ForecastFreeDto }) free!: ForecastFreeDto;
  @ApiProperty({
    type: [BookingAtRiskDto],
    description:
      'bookings of this step that cannot start on time given boot times and limits',
  })
  atRisk!: BookingAtRiskDto[];
}

export class CapacityForecastDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty() stepMinutes!: number;
  @ApiProperty() maxWorkers!: number;
  @ApiProperty({ type: [ForecastStepDto] }) steps!: ForecastStepDto[];
}
