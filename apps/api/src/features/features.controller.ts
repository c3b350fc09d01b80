import { Controller, Get, Inject } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '@lcm/runtime';
import { API_CONFIG } from '../app/api-config.token';
import type { ApiConfig } from '../config';
import { ApiProblems } from '../http/api-docs';
import { ApiRouteGuards } from '../http/api-route-guards';
import { PERMISSIONS } from '../http/permissions';

class FeaturesDto {
  @ApiProperty({
    description: 'lablet reservations are offered (LABLET_ENABLED)',
  })
  labletEnabled!: boolean;
  @ApiProperty({ description: 'GET /api/v1/events/stream is served' })
  eventStream!: boolean;
  @ApiProperty({ description: 'webhook subscriptions (a later feature)' })
  webhooks!: boolean;
}

@ApiTags('features')
@ApiRouteGuards()
@Controller('api/v1/features')
export class FeaturesController {
  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  @Get()
  @Roles(...PERMISSIONS.readFeatures)
  @ApiOperation({ summary: 'Feature flags for UIs' })
  @ApiOkResponse({ type: FeaturesDto })
  @ApiProblems()
  features(): FeaturesDto {
    return {
      labletEnabled: this.config.features.labletEnabled,
      eventStream: true,
      webhooks: false,
    };
  }
}
