import { randomBytes } from 'node:crypto';
import { MemoryDocStore } from '@lcm/doc-store';
import { AuthConfig, startService } from '@lcm/runtime';
import { KeyLayout, MemoryStateStore } from '@lcm/state-store';
import { expectOpsEndpoints } from '@lcm/testing';
import { loadAuditSinkConfig } from '../config';
import { AuditSinkModule } from './audit-sink.module';

const auth: AuthConfig = {
  algorithm: 'HS256',
  secret: 'audit-sink-module-spec-secret-0123456789',
  rolesClaim: 'roles',
};

async function until(
  condition: () => Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('AuditSinkModule', () => {
  it('boots on shared memory stores, serves /healthz, /readyz and /metrics, and copies the outbox into audit_events', async () => {
    const state = new MemoryStateStore();
    const docs = await MemoryDocStore.open();
    const keys = new KeyLayout('/lcm');
    const config = loadAuditSinkConfig(
      {},
      {
        platform: {
          state: { driver: 'shared', prefix: '/lcm', store: state },
          docs: { driver: 'shared', store: docs },
        },
        auth,
      },
    );
    const { app, url } = await startService(AuditSinkModule.forRoot(config), {
      service: 'audit-sink',
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
    });
    try {
      await expectOpsEndpoints(url, 'audit-sink');
      const ready = (await (await fetch(`${url}/readyz`)).json()) as {
        info: Record<string, { status: string }>;
      };
      expect(ready.info['audit-consumer']).toEqual({ status: 'up' });

      const event = {
        specversion: '1.0',
        id: 'e-1',
        source: 'lcm/api',
        type: 'lcm.lablet.instance.pending',
        subject: 'i-1',
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        data: { instanceId: 'i-1' },
      };
      await state.txn({
        compare: [],
        success: [
          {
            type: 'put',
            key: keys.event(event.id),
            value: JSON.stringify(event),
          },
        ],
      });
      await until(async () => (await docs.auditEvents.count()) === 1);
      await until(async () =>
        (await (await fetch(`${url}/metrics`)).text()).includes(
          'lcm_audit_events_stored_total{service="audit-sink"} 1',
        ),
      );
      const metrics = await (await fetch(`${url}/metrics`)).text();
      for (const name of [
        'lcm_outbox_events_handled_total',
        'lcm_outbox_consumer_lag_revisions',
        'lcm_audit_events_duplicates_total',
        'lcm_outbox_dead_letters_total',
      ]) {
        expect(metrics).toContain(name);
      }
    } finally {
      await app.close();
    }
    // Stopped cleanly: the cursor is past the event, and nothing is left running on the stores.
    const cursor = JSON.parse(
      (await state.get(keys.consumer('audit-sink')))?.value ?? '{}',
    ) as { revision: number };
    expect(cursor.revision).toBeGreaterThan(0);
    await state.close();
    await docs.close();
  });

  it('reads its settings from the environment, with defaults', () => {
    const platform = {
      state: {
        driver: 'shared' as const,
        prefix: '/lcm',
        store: new MemoryStateStore(),
      },
    };
    expect(loadAuditSinkConfig({}, { platform, auth })).toMatchObject({
      port: 3003,
      ingest: { batchSize: 100, maxAttempts: 5 },
      outbox: { retentionMinutes: 60, gcIntervalSeconds: 60 },
    });
    const env = {
      AUDIT_SINK_PORT: '0',
      AUDIT_SINK_BATCH_SIZE: '250',
      AUDIT_SINK_MAX_ATTEMPTS: '3',
      OUTBOX_RETENTION_MINUTES: '5',
      OUTBOX_GC_INTERVAL_SECONDS: '10',
      AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
    };
    expect(loadAuditSinkConfig(env, { platform })).toMatchObject({
      port: 0,
      auth: { algorithm: 'HS256' },
      ingest: { batchSize: 250, maxAttempts: 3 },
      outbox: { retentionMinutes: 5, gcIntervalSeconds: 10 },
    });
    expect(() =>
      loadAuditSinkConfig(
        {
          AUDIT_SINK_BATCH_SIZE: '0',
          AUDIT_SINK_MAX_ATTEMPTS: 'many',
          OUTBOX_GC_INTERVAL_SECONDS: '0',
        },
        { platform, auth },
      ),
    ).toThrow(
      /AUDIT_SINK_BATCH_SIZE must be between 1 and 10000[\s\S]*AUDIT_SINK_MAX_ATTEMPTS must be an integer[\s\S]*OUTBOX_GC_INTERVAL_SECONDS must be between 1/,
    );
  });

  it('refuses to start standalone without its servers and a token setting, naming the missing settings', () => {
    expect(() => loadAuditSinkConfig({})).toThrow(
      /ETCD_ENDPOINTS is required[\s\S]*MONGODB_URI is required[\s\S]*AUTH_JWT_SECRET/,
    );
  });
});
