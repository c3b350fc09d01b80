// Runs the api on memory stores with info logs on stdout, for the test that reads those logs.
// Prints `listening <url>` on stderr; exits on SIGTERM.
import { MemoryDocStore } from '@lcm/doc-store';
import { MemoryStateStore } from '@lcm/state-store';
import { loadApiConfig } from '../src/config';
import { startApi } from '../src/app/start-api';

async function main(): Promise<void> {
  const state = new MemoryStateStore();
  const docs = await MemoryDocStore.open();
  const config = loadApiConfig(
    { ...process.env, API_PORT: '0', API_HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    {
      platform: {
        state: { driver: 'shared', prefix: '/lcm', store: state },
        docs: { driver: 'shared', store: docs },
      },
    },
  );
  const { app, url } = await startApi(config, { shutdownHooks: false });
  process.stderr.write(`listening ${url}\n`);
  process.on('SIGTERM', () => {
    void app.close().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
