import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ProblemException } from '../problems/problem-details';
import { hasAnyRole, Principal, Role } from './principal';
import { InvalidTokenError, TokenVerifier } from './token-verifier';

const PUBLIC = 'lcm:public';
const ROLES_KEY = 'lcm:roles';

/** No token needed: liveness, readiness and metrics (probes and scrapers carry none). */
export const Public = () => SetMetadata(PUBLIC, true);
/** Any of these roles may call (OR); without @Roles any authenticated caller may. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** The authenticated caller. */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal =>
    ctx.switchToHttp().getRequest<{ principal: Principal }>().principal,
);

/**
 * Every endpoint needs a valid bearer JWT (401 otherwise) and one of its @Roles (403 otherwise),
 * unless it is @Public. Registered globally by AuthModule.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const request = context
      .switchToHttp()
      .getRequest<Request & { principal?: Principal }>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      throw new ProblemException(
        'unauthorized',
        'a bearer token is required (Authorization: Bearer <jwt>)',
      );
    try {
      request.principal = await this.verifier.verify(match[1]);
    } catch (error) {
      throw new ProblemException(
        'unauthorized',
        error instanceof InvalidTokenError
          ? `invalid token: ${error.message}`
          : 'invalid token',
      );
    }
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(
      ROLES_KEY,
      targets,
    );
    if (required && !hasAnyRole(request.principal, required)) {
      throw new ProblemException(
        'forbidden',
        `requires one of the roles: ${required.join(', ')}`,
      );
    }
    return true;
  }
}
