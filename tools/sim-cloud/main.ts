/**
 * The simulated cloud as a process of its own: one SimulatedFleet (worker VMs and their lab
 * engines) served over HTTP, so several LCM processes (controller replicas, a restarted controller,
 * the multi-process e2e) share one data plane, as they would share a real cloud.
 *
 *   SIM_PORT        port to listen on (4010; 0 picks a free one)
 *   SIM_HOST        interface (0.0.0.0: reachable from other containers)
 *   SIM_PROFILE     zero | fast | realistic (fast)
 *   SIM_SEED        seed of ids and faults (1)
 *   SIM_STATE_FILE  JSON snapshot: loaded at start when present, saved every second when the
 *                   fleet changed and at shutdown, so VMs and labs survive a restart
 *
 * Run: SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register tools/sim-cloud/main.ts
 * Clients: HttpWorkerProvider / HttpLabRuntime (PROVIDER=http PROVIDER_URL=<url> for the controller),
 * SimulatedFleetControl for the test hooks (vanish, failNext*, ...).
 */
import { resolve } from 'node:path';
import {
  createSimulatedFleet,
  createSimulatedFleetServer,
  FleetStateFile,
  readFleetStateFile,
  type SimulatedProfile,
} from '@lcm/providers';
import { EnvReader } from '@lcm/runtime';

interface SimCloudConfig {
  port: number;
  host: string;
  profile: SimulatedProfile;
  seed: string;
  stateFile: string | undefined;
}

function loadConfig(env: NodeJS.ProcessEnv): SimCloudConfig {
  const read = new EnvReader(env);
  const stateFile = read.string('SIM_STATE_FILE');
  return read.done({
    port: read.int('SIM_PORT', 4010, { min: 0, max: 65535 }),
    host: read.string('SIM_HOST', '0.0.0.0'),
    profile: read.oneOf(
      'SIM_PROFILE',
      ['zero', 'fast', 'realistic'] as const,
      'fast',
    ),
    seed: read.string('SIM_SEED', '1'),
    stateFile: stateFile === undefined ? undefined : resolve(stateFile),
  });
}

function log(msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(
    `${JSON.stringify({ time: new Date().toISOString(), level: 'info', service: 'sim-cloud', msg, ...fields })}\n`,
  );
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const snapshot = config.stateFile
    ? readFleetStateFile(config.stateFile)
    : undefined;
  const fleet = createSimulatedFleet({
    profile: config.profile,
    seed: /^\d+$/.test(config.seed) ? Number(config.seed) : config.seed,
    snapshot,
  });
  const file = config.stateFile
    ? new FleetStateFile(fleet, config.stateFile).start()
    : undefined;
  const server = await createSimulatedFleetServer(fleet, {
    port: config.port,
    host: config.host,
    log: (message) => log('request failed', { error: message }),
  });
  log('sim-cloud listening', {
    url: server.url,
    profile: config.profile,
    seed: config.seed,
    stateFile: config.stateFile ?? null,
    restoredVms: snapshot?.vms.length ?? 0,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received, stopping`);
    await server.close();
    file?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(
    'sim-cloud failed to start:',
    error instanceof Error ? error.message : error,
  );
  process.exit(1);
});
