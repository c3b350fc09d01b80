import { MemoryDocStore } from '@lcm/doc-store';
import { MemoryStateStore } from '@lcm/state-store';
import { startService } from '@lcm/runtime';
import { expectOpsEndpoints } from '@lcm/testing';
import { loadApiConfig } from '../config';
import { ApiModule } from './api.module';

describe('ApiModule', () => {
  it('boots on shared memory stores and serves /healthz, /readyz and /metrics as api', async () => {
    const state = new MemoryStateStore();
    const docs = await MemoryDocStore.open();
    const config = loadApiConfig({}, { platform: { state: { driver: 'shared', prefix: '/lcm', store: state }, docs: { driver: 'shared', store: docs } } });
    const { app, url } = await startService(ApiModule.forRoot(config), { service: 'api', port: 0, host: '127.0.0.1', logLevel: 'silent' });
    try {
      await expectOpsEndpoints(url, 'api');
    } finally {
      await app.close();
    }
    await state.close();
    await docs.close();
  });

  it('refuses to start standalone without its servers, naming the missing settings', () => {
    expect(() => loadApiConfig({})).toThrow(/ETCD_ENDPOINTS is required[\s\S]*MONGODB_URI is required/);
  });
});
