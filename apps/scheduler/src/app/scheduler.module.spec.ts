import { expectOpsEndpoints } from '@lcm/testing';
import { loadSchedulerConfig } from '../config';
import { SchedulerModule } from './scheduler.module';

describe('SchedulerModule', () => {
  it('boots and serves /healthz, /readyz and /metrics as scheduler', async () => {
    await expectOpsEndpoints(SchedulerModule.forRoot(loadSchedulerConfig({})), 'scheduler');
  });
});
