import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { captureOutput, spawnServer, stopProcess } from './child-processes';
import { findOnPath } from './etcd-server';
import { ServerHandle, ServerUnavailableError, waitFor } from './server-handle';
import { workspaceRoot } from './workspace-root';

export interface CmlEmulatorServer extends ServerHandle {
  /** Base URL; `<url>hosts/<name>/` is a virtual host of its own. */
  url: string;
  username: string;
  password: string;
}

/**
 * The CML API emulator (tools/cml-emulator) for the CML adapter's tests: CML_EMULATOR_URL (with
 * CML_EMULATOR_USERNAME / CML_EMULATOR_PASSWORD) if set, else the workspace's emulator as a process
 * on a free port with a fresh random password.
 */
export async function startCmlEmulatorServer(
  options: { labStartMs?: number; tokenTtlSeconds?: number } = {},
): Promise<CmlEmulatorServer> {
  const fromEnv = process.env['CML_EMULATOR_URL'];
  if (fromEnv) {
    await waitFor(`CML emulator at ${fromEnv}`, () => answers(fromEnv), 10_000);
    return {
      source: 'environment',
      url: fromEnv,
      username: process.env['CML_EMULATOR_USERNAME'] ?? 'admin',
      password: process.env['CML_EMULATOR_PASSWORD'] ?? '',
      version: 'unknown',
      description: `CML emulator (CML_EMULATOR_URL=${fromEnv})`,
      stop: async () => undefined,
    };
  }
  try {
    return await startLocalCmlEmulator(options);
  } catch (error) {
    throw new ServerUnavailableError('CML emulator', [
      `workspace emulator: ${error instanceof Error ? error.message : String(error)}`,
    ]);
  }
}

export interface LocalCmlEmulatorOptions {
  labStartMs?: number;
  tokenTtlSeconds?: number;
  engineStartMs?: number;
  /** The Smart Licensing authorization status its licensing reports (IN_COMPLIANCE). */
  licenseAuthorization?: string;
  /** Serve HTTPS with this PEM certificate and key. */
  tls?: { certFile: string; keyFile: string };
}

export async function startLocalCmlEmulator(
  options: LocalCmlEmulatorOptions = {},
): Promise<CmlEmulatorServer> {
  const root = workspaceRoot();
  const main = join(root, 'tools/cml-emulator/src/main.ts');
  if (!existsSync(main)) throw new Error(`${main} not found`);
  const password = randomBytes(18).toString('base64url');
  const args = ['-r', '@swc-node/register', main];
  const env = {
    ...process.env,
    SWC_NODE_PROJECT: join(root, 'tsconfig.base.json'),
    CML_EMULATOR_PORT: '0',
    CML_EMULATOR_USERNAME: 'admin',
    CML_EMULATOR_PASSWORD: password,
    CML_EMULATOR_LAB_START_MS: String(options.labStartMs ?? 300),
    CML_EMULATOR_TOKEN_TTL_SECONDS: String(options.tokenTtlSeconds ?? 3600),
    CML_EMULATOR_ENGINE_START_MS: String(options.engineStartMs ?? 0),
    ...(options.licenseAuthorization
      ? { CML_EMULATOR_LICENSE_AUTHORIZATION: options.licenseAuthorization }
      : {}),
    ...(options.tls
      ? {
          CML_EMULATOR_TLS_CERT_FILE: options.tls.certFile,
          CML_EMULATOR_TLS_KEY_FILE: options.tls.keyFile,
        }
      : {}),
  };
  // setpriv makes the kernel kill the emulator if the test runner dies, even by SIGKILL.
  const setpriv = findOnPath('setpriv');
  const proc = setpriv
    ? spawnServer(
        setpriv,
        ['--pdeathsig', 'KILL', '--', process.execPath, ...args],
        { cwd: root, env },
      )
    : spawnServer(process.execPath, args, { cwd: root, env });
  const output = captureOutput(proc);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no listening line within 30 s: ${output()}`)),
      30_000,
    );
    proc.stdout?.on('data', (chunk: Buffer) => {
      const match = chunk.toString().match(/"url":"(https?:\/\/[^"]+)"/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`cml-emulator exited (${code ?? signal}): ${output()}`));
    });
  }).catch(async (error) => {
    await stopProcess(proc, 'SIGKILL');
    throw error;
  });
  // Over TLS the certificate is the test's own: the listening line is the readiness signal.
  const info = options.tls
    ? { version: 'unknown' }
    : await waitFor(`CML emulator at ${url}`, () => answers(url), 10_000);
  return {
    source: 'local-binary',
    url,
    username: 'admin',
    password,
    version: info.version,
    description: `CML emulator (CML ${info.version} API, ${main}, ${url})`,
    stop: () => stopProcess(proc),
  };
}

async function answers(url: string): Promise<{ version: string } | undefined> {
  const response = await fetch(new URL('api/v0/system_information', url), {
    signal: AbortSignal.timeout(2000),
  });
  if (!response.ok) return undefined;
  const body = (await response.json()) as { version?: string };
  return { version: body.version ?? 'unknown' };
}
