import { MemoryDocStore } from '@lcm/doc-store';
import { MemoryStateStore } from '@lcm/state-store';
import { startService } from '@lcm/runtime';
import { expectOpsEndpoints } from '@lcm/testing';
import { loadControllerConfig } from '../config';
import { ControllerModule } from './controller.module';

describe('ControllerModule', () => {
  it('boots on shared memory stores and serves /healthz, /readyz and /metrics as controller', async () => {
    const state = new MemoryStateStore();
    const docs = await MemoryDocStore.open();
    const config = loadControllerConfig({}, { platform: { state: { driver: 'shared', prefix: '/lcm', store: state }, docs: { driver: 'shared', store: docs } } });
    const { app, url } = await startService(ControllerModule.forRoot(config), { service: 'controller', port: 0, host: '127.0.0.1', logLevel: 'silent' });
    try {
      await expectOpsEndpoints(url, 'controller');
    } finally {
      await app.close();
    }
    await state.close();
    await docs.close();
  });

  it('refuses to start standalone without its servers, naming the missing settings', () => {
    expect(() => loadControllerConfig({})).toThrow(/ETCD_ENDPOINTS is required[\s\S]*MONGODB_URI is required/);
  });
});
