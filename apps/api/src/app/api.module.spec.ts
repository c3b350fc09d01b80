import { expectOpsEndpoints } from '@lcm/testing';
import { loadApiConfig } from '../config';
import { ApiModule } from './api.module';

describe('ApiModule', () => {
  it('boots and serves /healthz, /readyz and /metrics as api', async () => {
    await expectOpsEndpoints(ApiModule.forRoot(loadApiConfig({})), 'api');
  });
});
