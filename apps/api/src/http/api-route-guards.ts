import { applyDecorators, UseGuards } from '@nestjs/common';
import { IdentityThrottlerGuard } from './identity-throttler.guard';
import { JsonBodyGuard } from './json-body.guard';

/**
 * What every /api/v1 controller adds after the global auth guard (authenticate, authorise): the
 * per-identity rate limit, then the JSON body check; validation pipes come last (docs/api.md#request-order order).
 */
export function ApiRouteGuards(): ClassDecorator {
  return applyDecorators(UseGuards(IdentityThrottlerGuard, JsonBodyGuard));
}
