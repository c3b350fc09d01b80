import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { captureOutput, spawnServer, stopProcess } from './child-processes';
import { containerRuntimeUnavailableReason } from './container-runtime';
import { MongoServer, ServerUnavailableError, waitFor } from './server-handle';
import { workspaceRoot } from './workspace-root';

const MONGO_IMAGE = process.env['LCM_MONGO_IMAGE'] ?? 'mongo:7.0';

/**
 * A MongoDB wire-protocol server for tests: MONGODB_URI if set, else MongoDB in a container when a
 * runtime answers, else the FerretDB wrapper built by bootstrap (.tools/bin/ferretdb, SQLite backend).
 */
export async function startMongo(): Promise<MongoServer> {
  const reasons: string[] = [];
  const fromEnv = process.env['MONGODB_URI'];
  if (fromEnv) {
    const version = await serverVersion(fromEnv);
    return {
      source: 'environment',
      uri: fromEnv,
      version,
      description: `${version} (MONGODB_URI)`,
      stop: async () => undefined,
    };
  }
  const noContainers = await containerRuntimeUnavailableReason();
  if (noContainers === undefined) {
    try {
      const { MongoDBContainer } = await import('@testcontainers/mongodb');
      const container = await new MongoDBContainer(MONGO_IMAGE).start();
      const uri = `${container.getConnectionString()}?directConnection=true`;
      const version = await serverVersion(uri);
      return {
        source: 'testcontainers',
        uri,
        version,
        description: `${version} (container ${MONGO_IMAGE})`,
        stop: async () => void (await container.stop()),
      };
    } catch (error) {
      reasons.push(`testcontainers: ${String(error)}`);
    }
  } else {
    reasons.push(`testcontainers: ${noContainers}`);
  }
  try {
    return await startFerretDb();
  } catch (error) {
    reasons.push(
      `local FerretDB: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  throw new ServerUnavailableError('MongoDB-compatible server', reasons);
}

export async function startFerretDb(
  options: { binary?: string } = {},
): Promise<MongoServer> {
  const binary =
    options.binary ??
    process.env['LCM_FERRETDB_BINARY'] ??
    join(workspaceRoot(), '.tools/bin/ferretdb');
  if (!existsSync(binary))
    throw new Error(
      `${binary} not found (run \`npm run bootstrap\`; it needs Go 1.24+)`,
    );
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dataDir = mkdtempSync(join(base, 'lcm-ferretdb-'));
  const proc = spawnServer(binary, [
    '-listen-addr',
    '127.0.0.1:0',
    '-data-dir',
    dataDir,
  ]);
  const output = captureOutput(proc);
  const uri = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no readiness line within 20 s: ${output()}`)),
      20_000,
    );
    proc.stdout?.on('data', (chunk: Buffer) => {
      const match = chunk.toString().match(/ferretdb ready (mongodb:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`ferretdb exited (${code ?? signal}): ${output()}`));
    });
  }).catch(async (error) => {
    await stopProcess(proc, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  const version = await serverVersion(uri);
  return {
    source: 'local-binary',
    uri,
    version,
    description: `${version} (local binary ${binary}, ${uri})`,
    stop: async () => {
      await stopProcess(proc);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** "FerretDB v1.24.2 (MongoDB 7.0.77 wire protocol)" or "MongoDB 7.0.14". */
async function serverVersion(uri: string): Promise<string> {
  return waitFor(
    `MongoDB at ${uri}`,
    async () => {
      const client = new MongoClient(uri, { serverSelectionTimeoutMS: 2000 });
      try {
        const info = await client.db('admin').command({ buildInfo: 1 });
        const ferretVersion = info['ferretdbVersion'] as string | undefined;
        return ferretVersion
          ? `FerretDB ${ferretVersion} (MongoDB ${String(info['version'])} wire protocol)`
          : `MongoDB ${String(info['version'])}`;
      } finally {
        await client.close();
      }
    },
    20_000,
  );
}
