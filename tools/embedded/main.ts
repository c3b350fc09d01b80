/**
 * The embedded all-in-one LCM: the four apps' modules in one Node process, each on its own port.
 * `npm start` runs this after bootstrap. Ctrl-C (or SIGTERM) closes every app cleanly.
 */
import type { INestApplication } from '@nestjs/common';
import { startService } from '@lcm/runtime';
import { ApiModule } from '../../apps/api/src/app/api.module';
import { loadApiConfig } from '../../apps/api/src/config';
import { AuditSinkModule } from '../../apps/audit-sink/src/app/audit-sink.module';
import { loadAuditSinkConfig } from '../../apps/audit-sink/src/config';
import { ControllerModule } from '../../apps/controller/src/app/controller.module';
import { loadControllerConfig } from '../../apps/controller/src/config';
import { SchedulerModule } from '../../apps/scheduler/src/app/scheduler.module';
import { loadSchedulerConfig } from '../../apps/scheduler/src/config';

async function main(): Promise<void> {
  // One process, four apps: PORT would give them all the same port, so only <APP>_PORT applies here.
  const env = { ...process.env, PORT: undefined };
  const api = loadApiConfig(env);
  const scheduler = loadSchedulerConfig(env);
  const controller = loadControllerConfig(env);
  const auditSink = loadAuditSinkConfig(env);

  const apps: { name: string; app: INestApplication; url: string }[] = [];
  const start = async (name: string, module: Parameters<typeof startService>[0], config: { port: number; host: string; logLevel: typeof api.logLevel }) => {
    const { app, url } = await startService(module, { service: name, port: config.port, host: config.host, logLevel: config.logLevel, shutdownHooks: false });
    apps.push({ name, app, url });
  };

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\nLCM: ${signal} received, stopping ${apps.length} apps...\n`);
    // Reverse order: consumers and writers stop before the api that feeds them.
    for (const { app } of [...apps].reverse()) await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await start('api', ApiModule.forRoot(api), api);
  await start('scheduler', SchedulerModule.forRoot(scheduler), scheduler);
  await start('controller', ControllerModule.forRoot(controller), controller);
  await start('audit-sink', AuditSinkModule.forRoot(auditSink), auditSink);

  const lines = apps.map(({ name, url }) => `  ${name.padEnd(11)} ${url}  (${url}/healthz)`);
  process.stdout.write(`\nLCM is running (embedded, one process):\n${lines.join('\n')}\nPress Ctrl-C to stop.\n\n`);
}

main().catch((error: unknown) => {
  console.error('LCM failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
