import { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import {
  captureOutput,
  spawnServer,
  stopProcess,
} from '../servers/child-processes';
import { freePort } from '../servers/free-port';
import { workspaceRoot } from '../servers/workspace-root';

export interface EmbeddedStackOptions {
  /** Extra settings for the four apps (e.g. MAX_WORKERS, CONSOLE_DIR). */
  env?: Record<string, string>;
  /** How long start-up may take (swc compiles the apps on the fly). */
  startTimeoutMs?: number;
}

export interface EmbeddedStack {
  /** The api, e.g. http://127.0.0.1:41234. */
  apiUrl: string;
  dataDir: string;
  token(roles: string | string[], subject?: string): Promise<string>;
  /** Stops the process (SIGTERM: stores saved) and starts it again on the same ports and data. */
  restart(): Promise<void>;
  /** The last lines it printed, for failure messages. */
  output(): string;
  close(): Promise<void>;
}

const SECRET = 'embedded-stack-test-secret-0123456789abcdef';

/**
 * The embedded all-in-one LCM (tools/embedded, what `npm start` runs) as a child process on free
 * ports with a temporary data directory, for end-to-end tests of its clients (lcmctl, the console).
 */
export async function startEmbeddedStack(
  options: EmbeddedStackOptions = {},
): Promise<EmbeddedStack> {
  const root = workspaceRoot();
  const dataDir = mkdtempSync(join(tmpdir(), 'lcm-embedded-'));
  const apiPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ETCD_ENDPOINTS: '',
    MONGODB_URI: '',
    API_PORT: String(apiPort),
    API_HOST: '127.0.0.1',
    SCHEDULER_PORT: '0',
    CONTROLLER_PORT: '0',
    AUDIT_SINK_PORT: '0',
    SCHEDULER_HOST: '127.0.0.1',
    CONTROLLER_HOST: '127.0.0.1',
    AUDIT_SINK_HOST: '127.0.0.1',
    LCM_DATA_DIR: dataDir,
    AUTH_JWT_SECRET: SECRET,
    LOG_LEVEL: 'warn',
    SWC_NODE_PROJECT: join(root, 'tsconfig.base.json'),
    ...options.env,
  };
  let child: ChildProcess | undefined;
  let output = () => '';
  const start = async () => {
    child = spawnServer(
      process.execPath,
      ['-r', '@swc-node/register', 'tools/embedded/main.ts'],
      { cwd: root, env },
    );
    output = captureOutput(child, 20_000);
    const running = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `the embedded LCM did not start within ${options.startTimeoutMs ?? 120_000} ms:\n${output()}`,
            ),
          ),
        options.startTimeoutMs ?? 120_000,
      );
      let text = '';
      running.stdout?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('Press Ctrl-C to stop.')) {
          clearTimeout(timer);
          resolve();
        }
      });
      running.once('exit', (code) => {
        clearTimeout(timer);
        reject(
          new Error(
            `the embedded LCM exited (${code}) while starting:\n${output()}`,
          ),
        );
      });
    });
  };
  await start();
  return {
    apiUrl: `http://127.0.0.1:${apiPort}`,
    dataDir,
    // Signed as the api verifies them (HS256, a `roles` claim); jose directly, since the test harness
    // may not depend on the runtime library (whose own tests use this harness).
    token: (roles, subject) =>
      new SignJWT({ roles: [roles].flat() })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(subject ?? [roles].flat().join('+'))
        .setIssuedAt()
        .setExpirationTime('2h')
        .sign(new TextEncoder().encode(SECRET)),
    restart: async () => {
      if (child) await stopProcess(child, 'SIGTERM', 15_000);
      await start();
    },
    output: () => output(),
    close: async () => {
      if (child) await stopProcess(child, 'SIGTERM', 15_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
