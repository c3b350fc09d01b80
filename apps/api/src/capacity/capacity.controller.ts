import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createValidationPipe, Roles } from '@lcm/runtime';
import { ApiProblems } from '../http/api-docs';
import { ApiRouteGuards } from '../http/api-route-guards';
import { PERMISSIONS } from '../http/permissions';
import { CapacityForecastDto, ForecastQueryDto } from './capacity.dto';
import { CapacityService } from './capacity.service';

@ApiTags('capacity')
@ApiRouteGuards()
@Controller('api/v1/capacity')
export class CapacityController {
  constructor(private readonly capacity: CapacityService) {}

  @Get('forecast')
  @Roles(...PERMISSIONS.planCapacity)
  @ApiOperation({
    summary: 'The capacity calendar',
    description:
      'Per step from `from` to `to`: the booked demand (instances, cpu, memory, nodes), per template the workers running and starting now, needed and still to start, the free capacity, and the bookings at risk (that cannot start on time given boot times and MAX_WORKERS).',
  })
  @ApiOkResponse({ type: CapacityForecastDto })
  @ApiProblems(400, 422)
  forecast(
    @Query(createValidationPipe()) query: ForecastQueryDto,
  ): Promise<CapacityForecastDto> {
    return this.capacity.forecast(query);
  }
}
