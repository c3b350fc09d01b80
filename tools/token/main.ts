/**
 * Issues a bearer token for an LCM deployment that verifies HS256 tokens with AUTH_JWT_SECRET:
 *   AUTH_JWT_SECRET=... npm run token -- --sub alice --roles admin,manager [--ttl 3600]
 * (With an identity provider, get tokens from it instead.)
 */
import { issueToken, ROLES, Role } from '@lcm/runtime';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback?: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const secret = process.env['AUTH_JWT_SECRET'];
  if (!secret || secret.length < 32)
    throw new Error(
      'set AUTH_JWT_SECRET (the same 32+ character secret the apps use)',
    );
  const roles = (arg('roles', 'viewer') ?? '').split(',').filter(Boolean);
  const unknown = roles.filter(
    (r) => !(ROLES as readonly string[]).includes(r),
  );
  if (unknown.length > 0)
    throw new Error(
      `unknown roles: ${unknown.join(', ')} (known: ${ROLES.join(', ')})`,
    );
  const token = await issueToken(
    secret,
    { subject: arg('sub', 'cli') ?? 'cli', roles: roles as Role[] },
    {
      ttlSeconds: Number(arg('ttl', '3600')),
      issuer: process.env['AUTH_ISSUER'],
      audience: process.env['AUTH_AUDIENCE'],
    },
  );
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
