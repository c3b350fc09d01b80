import type { ServerHandle } from '../servers/server-handle';

export default async function integrationGlobalTeardown(): Promise<void> {
  const servers =
    (globalThis as { __lcmIntegrationServers?: ServerHandle[] })
      .__lcmIntegrationServers ?? [];
  await Promise.all(servers.map((server) => server.stop()));
}
