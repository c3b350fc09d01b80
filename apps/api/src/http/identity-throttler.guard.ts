import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Principal } from '@lcm/runtime';

/**
 * Rate limit per identity (docs/api.md#request-order order: authenticate, authorise, rate-limit, validate): the
 * token's subject once the auth guard has run, else the client address. Controller-level, so it runs
 * after the global auth guard; one budget per identity across all routes.
 */
@Injectable()
export class IdentityThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(
    request: Record<string, unknown>,
  ): Promise<string> {
    const principal = request['principal'] as Principal | undefined;
    if (principal) return `sub:${principal.subject}`;
    return `ip:${String(request['ip'] ?? 'unknown')}`;
  }

  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    throttler: string,
  ): string {
    return `${throttler}:${tracker}`;
  }
}
