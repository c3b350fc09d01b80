import { MemoryDocStore } from '@lcm/doc-store';
import { MemoryStateStore } from '@lcm/state-store';
import { startService } from '@lcm/runtime';
import { expectOpsEndpoints } from '@lcm/testing';
import { loadAuditSinkConfig } from '../config';
import { AuditSinkModule } from './audit-sink.module';

describe('AuditSinkModule', () => {
  it('boots on shared memory stores and serves /healthz, /readyz and /metrics as audit-sink', async () => {
    const state = new MemoryStateStore();
    const docs = await MemoryDocStore.open();
    const config = loadAuditSinkConfig({}, { platform: { state: { driver: 'shared', prefix: '/lcm', store: state }, docs: { driver: 'shared', store: docs } } });
    const { app, url } = await startService(AuditSinkModule.forRoot(config), { service: 'audit-sink', port: 0, host: '127.0.0.1', logLevel: 'silent' });
    try {
      await expectOpsEndpoints(url, 'audit-sink');
    } finally {
      await app.close();
    }
    await state.close();
    await docs.close();
  });

  it('refuses to start standalone without its servers, naming the missing settings', () => {
    expect(() => loadAuditSinkConfig({})).toThrow(/ETCD_ENDPOINTS is required[\s\S]*MONGODB_URI is required/);
  });
});
