import { Module } from '@nestjs/common';
import { startService } from '../app/start-service';
import { OpsModule } from './ops.module';
import { ReadinessChecks } from './readiness';

@Module({ imports: [OpsModule.forRoot({ service: 'probe' })] })
class ProbeModule {}

describe('OpsModule', () => {
  it('answers /readyz with 503 and the reason while a registered check fails, 200 once it passes', async () => {
    const { app, url } = await startService(ProbeModule, {
      service: 'probe',
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
    });
    try {
      let etcdUp: boolean | string = 'etcd unreachable';
      app.get(ReadinessChecks).register({ name: 'etcd', check: () => etcdUp });

      const down = await fetch(`${url}/readyz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({
        status: 'error',
        error: { etcd: { status: 'down', reason: 'etcd unreachable' } },
      });

      etcdUp = true;
      const up = await fetch(`${url}/readyz`);
      expect(up.status).toBe(200);
      expect(await up.json()).toMatchObject({
        status: 'ok',
        info: { etcd: { status: 'up' } },
      });
    } finally {
      await app.close();
    }
  });

  it('keeps each app’s metrics in its own registry, so two apps can share one process', async () => {
    const a = await startService(ProbeModule, {
      service: 'probe',
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
    });
    @Module({ imports: [OpsModule.forRoot({ service: 'other' })] })
    class OtherModule {}
    const b = await startService(OtherModule, {
      service: 'other',
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
    });
    try {
      expect(await (await fetch(`${a.url}/metrics`)).text()).toContain(
        'service="probe"',
      );
      expect(await (await fetch(`${b.url}/metrics`)).text()).toContain(
        'service="other"',
      );
    } finally {
      await a.app.close();
      await b.app.close();
    }
  });
});
