import { loadApiConfig } from './config';
import { startApi } from './app/start-api';

async function main(): Promise<void> {
  const config = loadApiConfig();
  const { url, logger } = await startApi(config);
  logger.log(
    `api listening on ${url} (OpenAPI at ${url}/api/docs)`,
    'Bootstrap',
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
