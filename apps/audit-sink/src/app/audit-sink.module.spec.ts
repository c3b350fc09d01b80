import { expectOpsEndpoints } from '@lcm/testing';
import { loadAuditSinkConfig } from '../config';
import { AuditSinkModule } from './audit-sink.module';

describe('AuditSinkModule', () => {
  it('boots and serves /healthz, /readyz and /metrics as audit-sink', async () => {
    await expectOpsEndpoints(AuditSinkModule.forRoot(loadAuditSinkConfig({})), 'audit-sink');
  });
});
