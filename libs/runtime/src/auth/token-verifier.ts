import {
  createLocalJWKSet,
  createRemoteJWKSet,
  importSPKI,
  JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { AuthConfig } from './auth-config';
import { Principal, Role, ROLES } from './principal';

export class InvalidTokenError extends Error {}

type Key = Parameters<typeof jwtVerify>[1];

/** Verifies bearer JWTs (signature, expiry, issuer, audience) and reads the LCM roles from them. */
export class TokenVerifier {
  private key?: Promise<Key>;

  constructor(private readonly config: AuthConfig) {}

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      const result = await jwtVerify(token, await this.getKey(), {
        algorithms:
          this.config.algorithm === 'HS256'
            ? ['HS256']
            : ['RS256', 'ES256', 'PS256'],
        issuer: this.config.issuer,
        audience: this.config.audience,
      });
      payload = result.payload;
    } catch (error) {
      throw new InvalidTokenError(
        error instanceof Error ? error.message : 'invalid token',
      );
    }
    if (!payload.sub) throw new InvalidTokenError('token has no subject');
    return {
      subject: payload.sub,
      roles: readRoles(payload, this.config.rolesClaim),
    };
  }

  private getKey(): Promise<Key> {
    const config = this.config;
    this.key ??= (async (): Promise<Key> => {
      if (config.algorithm === 'HS256')
        return new TextEncoder().encode(config.secret);
      if (config.algorithm === 'RS256')
        return importSPKI(config.publicKeyPem, 'RS256');
      return createRemoteJWKSet(new URL(config.jwksUrl)) as unknown as Key;
    })();
    return this.key;
  }
}

function readRoles(payload: JWTPayload, claim: string): Role[] {
  let value: unknown = payload;
  for (const part of claim.split('.'))
    value =
      value && typeof value === 'object'
        ? (value as Record<string, unknown>)[part]
        : undefined;
  const roles = Array.isArray(value)
    ? value
    : typeof value === 'string'
      ? value.split(/[\s,]+/)
      : [];
  return roles.filter((r): r is Role =>
    (ROLES as readonly string[]).includes(r),
  );
}

/** Issues an HS256 token (the embedded default prints an admin token; tests use it too). */
export async function issueToken(
  secret: string,
  principal: Principal,
  options: { ttlSeconds?: number; issuer?: string; audience?: string } = {},
): Promise<string> {
  let jwt = new SignJWT({ roles: principal.roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(principal.subject)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? 3600}s`);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

// Exported for tests that verify against a local key set.
export { createLocalJWKSet };
