import { DynamicModule } from '@nestjs/common';
import { startService } from '@lcm/runtime';

/** Boots an app module on a free port and checks the operational endpoints every LCM app serves. */
export async function expectOpsEndpoints(module: DynamicModule, service: string): Promise<void> {
  const { app, url } = await startService(module, { service, port: 0, host: '127.0.0.1', logLevel: 'silent' });
  try {
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', service });

    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok' });

    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain(`lcm_process_cpu_user_seconds_total{service="${service}"}`);
  } finally {
    await app.close();
  }
}
