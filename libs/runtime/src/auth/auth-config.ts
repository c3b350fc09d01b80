import { errorMessage } from '@lcm/domain';
import { readFileSync } from 'node:fs';
import { EnvReader } from '../config/env-reader';

/** How bearer tokens are verified. There is no "off" switch: tests issue real tokens. */
export type AuthConfig = {
  issuer?: string;
  audience?: string;
  /** Dot path of the roles claim: `roles` (default) or Keycloak's `realm_access.roles`. */
  rolesClaim: string;
} & (
  | { algorithm: 'HS256'; secret: string }
  | { algorithm: 'RS256'; publicKeyPem: string }
  | { algorithm: 'JWKS'; jwksUrl: string }
);

/**
 * AUTH_JWT_SECRET (HS256, at least 32 characters, no placeholder: see EnvReader.secret), or AUTH_JWT_PUBLIC_KEY / AUTH_JWT_PUBLIC_KEY_FILE
 * (RS256 PEM), or AUTH_JWKS_URL; plus AUTH_ISSUER, AUTH_AUDIENCE, AUTH_ROLES_CLAIM.
 */
export function readAuthConfig(read: EnvReader): AuthConfig {
  const common = {
    issuer: read.string('AUTH_ISSUER'),
    audience: read.string('AUTH_AUDIENCE'),
    rolesClaim: read.string('AUTH_ROLES_CLAIM', 'roles'),
  };
  const secret = read.secret('AUTH_JWT_SECRET');
  const keyFile = read.string('AUTH_JWT_PUBLIC_KEY_FILE');
  const key =
    read.string('AUTH_JWT_PUBLIC_KEY') ??
    (keyFile ? safeRead(read, 'AUTH_JWT_PUBLIC_KEY_FILE', keyFile) : undefined);
  const jwksUrl = read.string('AUTH_JWKS_URL');
  const chosen = [secret, key, jwksUrl].filter(Boolean).length;
  if (chosen !== 1) {
    read.problem(
      'set exactly one of AUTH_JWT_SECRET (HS256), AUTH_JWT_PUBLIC_KEY[_FILE] (RS256) or AUTH_JWKS_URL',
    );
    return { ...common, algorithm: 'HS256', secret: '' };
  }
  if (secret) return { ...common, algorithm: 'HS256', secret };
  if (key) return { ...common, algorithm: 'RS256', publicKeyPem: key };
  return { ...common, algorithm: 'JWKS', jwksUrl: jwksUrl as string };
}

function safeRead(
  read: EnvReader,
  name: string,
  path: string,
): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    read.problem(`${name}: cannot read ${path}: ${errorMessage(error)}`);
    return undefined;
  }
}
