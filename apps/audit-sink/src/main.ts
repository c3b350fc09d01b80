import { startService } from '@lcm/runtime';
import { AuditSinkModule } from './app/audit-sink.module';
import { loadAuditSinkConfig } from './config';

async function main(): Promise<void> {
  const config = loadAuditSinkConfig();
  const { url, logger } = await startService(AuditSinkModule.forRoot(config), {
    service: 'audit-sink',
    port: config.port,
    host: config.host,
    logLevel: config.logLevel,
  });
  logger.log(`audit-sink listening on ${url}`, 'Bootstrap');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
