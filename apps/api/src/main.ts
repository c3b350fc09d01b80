import { startService } from '@lcm/runtime';
import { ApiModule } from './app/api.module';
import { loadApiConfig } from './config';

async function main(): Promise<void> {
  const config = loadApiConfig();
  const { url, logger } = await startService(ApiModule.forRoot(config), { service: 'api', port: config.port, host: config.host, logLevel: config.logLevel });
  logger.log(`api listening on ${url}`, 'Bootstrap');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
