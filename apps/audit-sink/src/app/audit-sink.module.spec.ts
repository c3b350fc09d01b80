import { MemoryDocStore } from '@lcm/doc-store';
import { MemoryStateStore } from '@lcm/state-store';
import { expectOpsEndpoints } from '@lcm/testing';
import { loadAuditSinkConfig } from '../config';
import { AuditSinkModule } from './audit-sink.module';

describe('AuditSinkModule', () => {
  it('boots on shared memory stores and serves /healthz, /readyz and /metrics as audit-sink', async () => {
    const state = new MemoryStateStore();
    const docs = await MemoryDocStore.open();
    const config = loadAuditSinkConfig({}, { platform: { state: { driver: 'shared', prefix: '/lcm', store: state }, docs: { driver: 'shared', store: docs } } });
    await expectOpsEndpoints(AuditSinkModule.forRoot(config), 'audit-sink');
    await state.close();
    await docs.close();
  });

  it('refuses to start standalone without its servers, naming the missing settings', () => {
    expect(() => loadAuditSinkConfig({})).toThrow(/ETCD_ENDPOINTS is required[\s\S]*MONGODB_URI is required/);
  });
});
