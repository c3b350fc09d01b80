import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { captureOutput, spawnServer, stopProcess } from './child-processes';
import { findOnPath } from './etcd-server';
import { ServerHandle, ServerUnavailableError, waitFor } from './server-handle';
import { workspaceRoot } from './workspace-root';

export interface MotoServer extends ServerHandle {
  /** The AWS endpoint URL to hand the SDK (`endpoint`, or AWS_ENDPOINT_URL_EC2 for an app). */
  endpoint: string;
}

/**
 * moto's server mode (an independent AWS API implementation) for the EC2 provider's tests:
 * MOTO_ENDPOINT if set, else the pinned install of bootstrap (`.tools/venv/bin/moto_server`, or
 * LCM_MOTO_SERVER) on a free port. Never a real AWS endpoint: the harness only talks to moto.
 */
export async function startMoto(): Promise<MotoServer> {
  const reasons: string[] = [];
  const fromEnv = process.env['MOTO_ENDPOINT'];
  if (fromEnv) {
    await waitFor(`moto at ${fromEnv}`, () => motoAnswers(fromEnv), 10_000);
    return {
      source: 'environment',
      endpoint: fromEnv,
      version: 'unknown',
      description: `moto (MOTO_ENDPOINT=${fromEnv})`,
      stop: async () => undefined,
    };
  }
  try {
    return await startLocalMoto();
  } catch (error) {
    reasons.push(
      `local install: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  throw new ServerUnavailableError('moto (AWS API server)', reasons);
}

export async function startLocalMoto(
  options: { binary?: string } = {},
): Promise<MotoServer> {
  const binary =
    options.binary ??
    process.env['LCM_MOTO_SERVER'] ??
    join(workspaceRoot(), '.tools/venv/bin/moto_server');
  if (!existsSync(binary))
    throw new Error(
      `${binary} not found (run \`npm run bootstrap -- test\`; it installs moto[server] into .tools/venv)`,
    );
  const args = ['-H', '127.0.0.1', '-p', '0'];
  // setpriv makes the kernel kill moto if the test runner dies, even by SIGKILL.
  const setpriv = findOnPath('setpriv');
  const proc = setpriv
    ? spawnServer(setpriv, ['--pdeathsig', 'KILL', '--', binary, ...args])
    : spawnServer(binary, args);
  const output = captureOutput(proc);
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "Running on" line within 30 s: ${output()}`)),
      30_000,
    );
    const scan = (chunk: Buffer) => {
      const match = chunk.toString().match(/Running on (http:\/\/[\d.]+:\d+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    proc.stdout?.on('data', scan);
    proc.stderr?.on('data', scan);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`moto_server exited (${code ?? signal}): ${output()}`));
    });
  }).catch(async (error) => {
    await stopProcess(proc, 'SIGKILL');
    throw error;
  });
  await waitFor(`moto at ${endpoint}`, () => motoAnswers(endpoint), 10_000);
  const version = motoVersion(binary);
  return {
    source: 'local-binary',
    endpoint,
    version,
    description: `moto ${version} (local install ${binary}, ${endpoint})`,
    stop: () => stopProcess(proc),
  };
}

async function motoAnswers(endpoint: string): Promise<true | undefined> {
  const response = await fetch(new URL('/moto-api/', endpoint), {
    signal: AbortSignal.timeout(2000),
  });
  return response.ok ? true : undefined;
}

/** The moto version of the venv the server script belongs to. */
function motoVersion(binary: string): string {
  const python = join(binary, '..', 'python');
  try {
    return execFileSync(
      python,
      ['-c', 'import moto; print(moto.__version__)'],
      { encoding: 'utf8', timeout: 10_000 },
    ).trim();
  } catch {
    return 'unknown';
  }
}
