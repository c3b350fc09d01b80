import { Logger } from '@nestjs/common';
import { AuthConfig } from '@lcm/runtime';
import { KeyLayout, MemoryStateStore } from '@lcm/state-store';
import { Registry } from 'prom-client';
import { loadAuditSinkConfig } from '../config';
import { AuditSinkMetrics } from '../ingest/audit-sink-metrics';
import { OutboxGcService } from './outbox-gc.service';

const auth: AuthConfig = {
  algorithm: 'HS256',
  secret: 'outbox-gc-service-spec-secret-0123456789',
  rolesClaim: 'roles',
};

describe('OutboxGcService', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('deletes outbox keys every consumer is past once OUTBOX_RETENTION_MINUTES passed, and keeps the rest', async () => {
    const state = new MemoryStateStore();
    const keys = new KeyLayout('/lcm');
    const registry = new Registry();
    const config = loadAuditSinkConfig(
      { OUTBOX_RETENTION_MINUTES: '30' },
      {
        platform: { state: { driver: 'shared', prefix: '/lcm', store: state } },
        auth,
      },
    );
    const put = (id: string, minutesAgo: number) => {
      const event = {
        specversion: '1.0',
        id,
        source: 'lcm/api',
        type: 'lcm.lablet.instance.pending',
        subject: 'i-1',
        time: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
        datacontenttype: 'application/json',
        data: {},
      };
      return state.txn({
        compare: [],
        success: [
          { type: 'put', key: keys.event(id), value: JSON.stringify(event) },
        ],
      });
    };
    await put('old-consumed', 45);
    const consumedUpTo = (await put('recent-consumed', 10)).revision;
    await put('old-unconsumed', 45);
    const cursor = (name: string, revision: number) =>
      state.txn({
        compare: [],
        success: [
          {
            type: 'put',
            key: keys.consumer(name),
            value: JSON.stringify({
              revision,
              updatedAt: new Date().toISOString(),
            }),
          },
        ],
      });
    await cursor('audit-sink', consumedUpTo + 10);
    await cursor('controller', consumedUpTo);

    const gc = new OutboxGcService(
      config,
      state,
      keys,
      new AuditSinkMetrics(registry),
    );
    expect(await gc.sweep()).toBe(1);
    expect(
      (await state.list(keys.eventsPrefix)).kvs.map((kv) => kv.key),
    ).toEqual([keys.event('old-unconsumed'), keys.event('recent-consumed')]);
    expect(
      (await registry.getSingleMetric('lcm_outbox_gc_deleted_total')?.get())
        ?.values[0].value,
    ).toBe(1);
    await gc.onApplicationShutdown();
    await state.close();
  });
});
