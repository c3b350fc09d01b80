import { expectOpsEndpoints } from '@lcm/testing';
import { loadControllerConfig } from '../config';
import { ControllerModule } from './controller.module';

describe('ControllerModule', () => {
  it('boots and serves /healthz, /readyz and /metrics as controller', async () => {
    await expectOpsEndpoints(ControllerModule.forRoot(loadControllerConfig({})), 'controller');
  });
});
