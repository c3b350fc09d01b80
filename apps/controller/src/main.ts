import { startService } from '@lcm/runtime';
import { ControllerModule } from './app/controller.module';
import { loadControllerConfig } from './config';

async function main(): Promise<void> {
  const config = loadControllerConfig();
  const { url, logger } = await startService(ControllerModule.forRoot(config), {
    service: 'controller',
    port: config.port,
    host: config.host,
    logLevel: config.logLevel,
  });
  logger.log(`controller listening on ${url}`, 'Bootstrap');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
