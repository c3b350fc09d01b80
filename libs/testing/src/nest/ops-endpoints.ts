/** Checks the operational endpoints every LCM app serves, on an app already listening at `url`. */
export async function expectOpsEndpoints(
  url: string,
  service: string,
): Promise<void> {
  const health = await fetch(`${url}/healthz`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ status: 'ok', service });

  const ready = await fetch(`${url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ status: 'ok' });

  const metrics = await fetch(`${url}/metrics`);
  expect(metrics.status).toBe(200);
  expect(metrics.headers.get('content-type')).toContain('text/plain');
  expect(await metrics.text()).toContain(
    `lcm_process_cpu_user_seconds_total{service="${service}"}`,
  );
}
