import type { Config } from '@jest/types';
import { startCmlEmulatorServer } from '../servers/cml-emulator-server';
import { startEtcd } from '../servers/etcd-server';
import { startMongo } from '../servers/mongo-server';
import { startMoto } from '../servers/moto-server';
import { isCi, ServerHandle } from '../servers/server-handle';

/**
 * jest globalSetup for `*.integration-spec.ts` projects. Starts the servers a project asks for in
 * its config (`globals: { lcmServers: ['etcd', 'mongo', 'moto'] }`) once per run and hands them to the
 * test workers through ETCD_ENDPOINTS / MONGODB_URI / MOTO_ENDPOINT / CML_EMULATOR_URL (the CML
 * emulator also hands over CML_EMULATOR_USERNAME / CML_EMULATOR_PASSWORD, a password made for the run). With CI=true a server that cannot be started fails
 * the run; elsewhere the suites that need it are skipped with the reason printed.
 */
type ServerName = 'etcd' | 'mongo' | 'moto' | 'cml';
const started: ServerHandle[] = [];

export default async function integrationGlobalSetup(
  _global: Config.GlobalConfig,
  project: Config.ProjectConfig,
): Promise<void> {
  const wanted = (
    (project.globals?.['lcmServers'] as ServerName[] | undefined) ?? [
      'etcd',
      'mongo',
    ]
  ).slice();
  const lines: string[] = [];
  await Promise.all(
    wanted.map(async (name) => {
      try {
        if (name === 'etcd') {
          const server = await startEtcd();
          started.push(server);
          process.env['ETCD_ENDPOINTS'] = server.endpoints.join(',');
          lines.push(`etcd: ${server.description}`);
        } else if (name === 'cml') {
          const server = await startCmlEmulatorServer();
          started.push(server);
          Object.assign(process.env, {
            CML_EMULATOR_URL: server.url,
            CML_EMULATOR_USERNAME: server.username,
            CML_EMULATOR_PASSWORD: server.password,
          });
          lines.push(`cml: ${server.description}`);
        } else if (name === 'moto') {
          const server = await startMoto();
          started.push(server);
          process.env['MOTO_ENDPOINT'] = server.endpoint;
          lines.push(`moto: ${server.description}`);
        } else {
          const server = await startMongo();
          started.push(server);
          process.env['MONGODB_URI'] = server.uri;
          lines.push(`mongo: ${server.description}`);
        }
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (isCi()) throw error;
        process.env[`LCM_${name.toUpperCase()}_UNAVAILABLE`] = reason;
        lines.push(
          `${name}: UNAVAILABLE, suites that need it are skipped (CI=true makes this a failure)\n${reason}`,
        );
      }
    }),
  );
  process.stdout.write(
    `\n[lcm integration servers] ${project.displayName?.name ?? project.id}\n  ${lines.join('\n  ')}\n`,
  );
  (
    globalThis as { __lcmIntegrationServers?: ServerHandle[] }
  ).__lcmIntegrationServers = started;
}
