/**
 * The CML API emulator as a process (see cml-emulator.ts). It prints one JSON line
 * `{"msg":"cml-emulator listening","url":...}` when ready and stops on SIGINT/SIGTERM.
 *
 *   CML_EMULATOR_PORT            port (0: a free one; default 0)
 *   CML_EMULATOR_HOST            interface (127.0.0.1)
 *   CML_EMULATOR_USERNAME        the one user (admin)
 *   CML_EMULATOR_PASSWORD[_FILE] its password (required; never printed)
 *   CML_EMULATOR_VERSION         reported controller version (2.9.0)
 *   CML_EMULATOR_LAB_START_MS    node boot time of a lab start (1000)
 *   CML_EMULATOR_ENGINE_START_MS a virtual host answers 503 this long after its first request (0)
 *   CML_EMULATOR_TOKEN_TTL_SECONDS token lifetime (3600)
 *   CML_EMULATOR_LICENSE         PERSONAL | ENTERPRISE (PERSONAL)
 *   CML_EMULATOR_LICENSE_AUTHORIZATION  Smart Licensing authorization status reported
 *                                (IN_COMPLIANCE; EVAL, EVAL_EXPIRED, OUT_OF_COMPLIANCE...)
 *   CML_EMULATOR_TLS_CERT_FILE / CML_EMULATOR_TLS_KEY_FILE  serve HTTPS with this PEM pair
 *
 * Run: npx nx serve cml-emulator, or
 * SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register tools/cml-emulator/src/main.ts
 */
import { readFileSync } from 'node:fs';
import { EnvReader } from '@lcm/runtime';
import { CML_AUTHORIZATION_STATUSES, startCmlEmulator } from './cml-emulator';

async function main(): Promise<void> {
  const read = new EnvReader(process.env);
  const passwordFile = read.string('CML_EMULATOR_PASSWORD_FILE');
  const password = passwordFile
    ? readFileSync(passwordFile, 'utf8').trim()
    : read.string('CML_EMULATOR_PASSWORD');
  if (!password)
    read.problem(
      'CML_EMULATOR_PASSWORD or CML_EMULATOR_PASSWORD_FILE is required',
    );
  const certFile = read.string('CML_EMULATOR_TLS_CERT_FILE');
  const keyFile = read.string('CML_EMULATOR_TLS_KEY_FILE');
  if (Boolean(certFile) !== Boolean(keyFile))
    read.problem(
      'CML_EMULATOR_TLS_CERT_FILE and CML_EMULATOR_TLS_KEY_FILE go together',
    );
  const options = read.done({
    ...(certFile && keyFile
      ? { tls: { cert: readFileSync(certFile), key: readFileSync(keyFile) } }
      : {}),
    port: read.int('CML_EMULATOR_PORT', 0, { min: 0, max: 65535 }),
    host: read.string('CML_EMULATOR_HOST', '127.0.0.1'),
    username: read.string('CML_EMULATOR_USERNAME', 'admin'),
    password: password ?? '',
    version: read.string('CML_EMULATOR_VERSION', '2.9.0'),
    labStartMs: read.int('CML_EMULATOR_LAB_START_MS', 1000, { min: 0 }),
    engineStartMs: read.int('CML_EMULATOR_ENGINE_START_MS', 0, { min: 0 }),
    tokenTtlMs:
      read.int('CML_EMULATOR_TOKEN_TTL_SECONDS', 3600, { min: 1 }) * 1000,
    licenseType: read.oneOf(
      'CML_EMULATOR_LICENSE',
      ['PERSONAL', 'ENTERPRISE'] as const,
      'PERSONAL',
    ),
    authorization: read.oneOf(
      'CML_EMULATOR_LICENSE_AUTHORIZATION',
      CML_AUTHORIZATION_STATUSES,
      'IN_COMPLIANCE',
    ),
  });
  const emulator = await startCmlEmulator(options);
  process.stdout.write(
    `${JSON.stringify({ time: new Date().toISOString(), level: 'info', service: 'cml-emulator', msg: 'cml-emulator listening', url: emulator.url, version: options.version })}\n`,
  );
  const stop = async () => {
    await emulator.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(
    'cml-emulator failed to start:',
    error instanceof Error ? error.message : error,
  );
  process.exit(1);
});
