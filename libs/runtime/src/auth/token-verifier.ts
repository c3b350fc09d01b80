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

/** Tokens remembered as verified (least recently used dropped first). */
const VERIFIED_TOKENS = 10_000;
/**
 * A verified token is trusted without checking its signature again until it expires, and at most
 * this long, so a key taken out of a JWKS (rotation) stops being honoured within this time.
 */
const VERIFIED_MAX_AGE_MS = 5 * 60_000;

export interface TokenVerifierOptions {
  /** The clock (ms since epoch) expiry is judged by; tests move it. */
  now?: () => number;
}

/**
 * Verifies bearer JWTs (signature, expiry, not-before, issuer, audience) and reads the LCM roles
 * from them. A client sends the same token with every request: as API gateways do, a token that
 * verified is remembered (bounded LRU, keyed by the whole token) until its `exp` (at most
 * VERIFIED_MAX_AGE_MS), so the signature and claims are checked once per token, not per request.
 * Failures are never remembered.
 */
export class TokenVerifier {
  private key?: Promise<Key>;
  private readonly verified = new Map<
    string,
    { principal: Principal; until: number }
  >();
  private readonly now: () => number;

  constructor(
    private readonly config: AuthConfig,
    options: TokenVerifierOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async verify(token: string): Promise<Principal> {
    const now = this.now();
    const known = this.verified.get(token);
    if (known !== undefined) {
      this.verified.delete(token);
      if (known.until > now) {
        this.verified.set(token, known);
        return known.principal;
      }
    }
    let payload: JWTPayload;
    try {
      const result = await jwtVerify(token, await this.getKey(), {
        algorithms:
          this.config.algorithm === 'HS256'
            ? ['HS256']
            : ['RS256', 'ES256', 'PS256'],
        issuer: this.config.issuer,
        audience: this.config.audience,
        currentDate: new Date(now),
      });
      payload = result.payload;
    } catch (error) {
      throw new InvalidTokenError(
        error instanceof Error ? error.message : 'invalid token',
      );
    }
    if (!payload.sub) throw new InvalidTokenError('token has no subject');
    // Shared by every request that presents the token: frozen, so none can change it for the others.
    const principal: Principal = Object.freeze({
      subject: payload.sub,
      roles: Object.freeze(
        readRoles(payload, this.config.rolesClaim),
      ) as Role[],
    });
    // jose accepts the token while now < exp (seconds): the same instant ends its stay here.
    const until = Math.min(
      typeof payload.exp === 'number' ? payload.exp * 1000 : Infinity,
      now + VERIFIED_MAX_AGE_MS,
    );
    this.verified.set(token, { principal, until });
    if (this.verified.size > VERIFIED_TOKENS)
      this.verified.delete(this.verified.keys().next().value as string);
    return principal;
  }

  /** Tokens remembered as verified (for tests). */
  get rememberedTokens(): number {
    return this.verified.size;
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
