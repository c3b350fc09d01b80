import { Logger } from '@nestjs/common';
import { MemoryDocStore } from '@lcm/doc-store';
import { AuthConfig, ReadinessChecks } from '@lcm/runtime';
import {
  KeyLayout,
  KeyValue,
  MemoryStateStore,
  StateStore,
} from '@lcm/state-store';
import { Registry } from 'prom-client';
import { loadAuditSinkConfig } from '../config';
import { AuditIngestService } from './audit-ingest.service';
import { AuditSinkMetrics } from './audit-sink-metrics';

const auth: AuthConfig = {
  algorithm: 'HS256',
  secret: 'audit-ingest-service-spec-secret-0123456789',
  rolesClaim: 'roles',
};

/** A memory store whose first `get` calls fail, like an etcd that is not reachable yet. */
function unreachableAtFirst(
  inner: MemoryStateStore,
  failures: number,
): StateStore {
  let left = failures;
  return {
    driver: inner.driver,
    get: (key: string): Promise<KeyValue | undefined> =>
      left-- > 0
        ? Promise.reject(new Error('etcd is not reachable'))
        : inner.get(key),
    list: (prefix) => inner.list(prefix),
    scan: (prefix, onPage, options) => inner.scan(prefix, onPage, options),
    txn: (request) => inner.txn(request),
    watch: (prefix, from, handlers) => inner.watch(prefix, from, handlers),
    grantLease: (ttl, options) => inner.grantLease(ttl, options),
    compact: (revision) => inner.compact(revision),
    revision: () => inner.revision(),
    prefixStatus: (prefix, after) => inner.prefixStatus(prefix, after),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}

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

describe('AuditIngestService', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('retries a consumer that cannot start, with /readyz saying why until it runs', async () => {
    const state = new MemoryStateStore();
    const docs = await MemoryDocStore.open();
    const keys = new KeyLayout('/lcm');
    const config = loadAuditSinkConfig(
      {},
      {
        platform: { state: { driver: 'shared', prefix: '/lcm', store: state } },
        auth,
      },
    );
    const readiness = new ReadinessChecks();
    const service = new AuditIngestService(
      config,
      unreachableAtFirst(state, 1),
      keys,
      docs.auditEvents,
      new AuditSinkMetrics(new Registry()),
      readiness,
    );
    service.onModuleInit();
    const check = () =>
      Promise.resolve(
        readiness
          .all()
          .find((c) => c.name === 'audit-consumer')
          ?.check(),
      );
    try {
      await service.onApplicationBootstrap();
      expect(await check()).toBe(
        'the outbox consumer has not started: etcd is not reachable',
      );
      await until(async () => (await check()) === true);

      const event = {
        specversion: '1.0',
        id: 'e-1',
        source: 'lcm/api',
        type: 'lcm.lablet.instance.pending',
        subject: 'i-1',
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        data: {},
      };
      await state.txn({
        compare: [],
        success: [
          { type: 'put', key: keys.event('e-1'), value: JSON.stringify(event) },
        ],
      });
      await until(async () => (await docs.auditEvents.count()) === 1);
    } finally {
      await service.onApplicationShutdown();
    }
    expect(await check()).toBe('the outbox consumer has not started');

    // Stopped: later events wait in the outbox for the next start.
    const later = {
      specversion: '1.0',
      id: 'e-2',
      source: 'lcm/api',
      type: 'lcm.lablet.instance.pending',
      subject: 'i-2',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: {},
    };
    await state.txn({
      compare: [],
      success: [
        { type: 'put', key: keys.event('e-2'), value: JSON.stringify(later) },
      ],
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(await docs.auditEvents.count()).toBe(1);
    await state.close();
    await docs.close();
  });
});
