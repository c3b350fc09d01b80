import { startService } from '@lcm/runtime';
import { SchedulerModule } from './app/scheduler.module';
import { loadSchedulerConfig } from './config';

async function main(): Promise<void> {
  const config = loadSchedulerConfig();
  const { url, logger } = await startService(SchedulerModule.forRoot(config), {
    service: 'scheduler',
    port: config.port,
    host: config.host,
    logLevel: config.logLevel,
  });
  logger.log(`scheduler listening on ${url}`, 'Bootstrap');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
