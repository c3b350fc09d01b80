/* eslint-disable @typescript-eslint/no-explicit-any -- replies are JSON the assertions check */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { until } from '@lcm/testing';
import {
  alive,
  EmbeddedLcm,
  gone,
  killGroup,
  startWithNpm,
} from './embedded-process';

const INSTANCE_STATES = [
  'pending',
  'scheduled',
  'instantiating',
  'running',
  'collecting',
  'grading',
  'stopping',
  'stopped',
  'archived',
  'terminated',
];

function timeslot(minutes = 30) {
  const start = new Date();
  return {
    timeslotStart: start.toISOString(),
    timeslotEnd: new Date(start.getTime() + minutes * 60_000).toISOString(),
  };
}

async function sampleDefinition(lcm: EmbeddedLcm): Promise<string> {
  const definitions = await lcm.all(`${lcm.api}/api/v1/definitions`);
  expect(definitions.length).toBeGreaterThan(0);
  return definitions[0].id;
}

/** The instance audit trail as the audit-sink serves it. */
function instanceTrail(lcm: EmbeddedLcm): Promise<any[]> {
  return lcm.all(
    `${lcm.banner.auditSink}/api/v1/audit/events?type=${encodeURIComponent('lcm.lablet.instance.')}`,
  );
}

describe('the embedded LCM killed with SIGKILL (one SQLite database in LCM_DATA_DIR)', () => {
  let dataDir: string;
  let lcm: EmbeddedLcm | undefined;
  beforeEach(
    () => (dataDir = mkdtempSync(join(tmpdir(), 'lcm-embedded-crash-'))),
  );
  afterEach(async () => {
    await lcm?.kill('SIGKILL');
    lcm = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every create answered 201 before the kill, and the audit trail holds no event of an uncommitted change', async () => {
    const N = 50;
    lcm = await EmbeddedLcm.start(dataDir);
    const definitionId = await sampleDefinition(lcm);
    const first = lcm;

    // 10 requests in flight at a time; SIGKILL the moment the N-th 201 arrives (others are still in flight).
    const acknowledged: string[] = [];
    let unanswered = 0;
    let killing: Promise<void> | undefined;
    await new Promise<void>((resolve) => {
      let sent = 0;
      const lane = async (): Promise<void> => {
        while (!killing && sent < N * 2) {
          sent++;
          try {
            const reply = await first.call(
              'POST',
              `${first.api}/api/v1/instances`,
              { definitionId, ...timeslot() },
            );
            // A 201 that reached us was sent before the process died: it is acknowledged.
            if (reply.status === 201) acknowledged.push(reply.json.id);
            else if (!killing)
              throw new Error(`create answered ${reply.status}: ${reply.text}`);
          } catch (error) {
            if (!killing) throw error;
            unanswered++;
          }
          if (acknowledged.length >= N && !killing) {
            killing = first.kill('SIGKILL');
            resolve();
          }
        }
      };
      for (let i = 0; i < 10; i++)
        void lane().catch((error: unknown) => {
          killing ??= first.kill('SIGKILL');
          resolve();
          throw error;
        });
    });
    await killing;
    expect(acknowledged.length).toBeGreaterThanOrEqual(N);

    lcm = await EmbeddedLcm.start(dataDir);
    const second = lcm;
    for (const id of acknowledged) {
      const reply = await second.call(
        'GET',
        `${second.api}/api/v1/instances/${id}`,
      );
      expect({ id, status: reply.status }).toEqual({ id, status: 200 });
    }
    // The outbox is delivered after the restart: every acknowledged create has its pending event.
    let trail: any[] = [];
    await until(
      async () => {
        trail = await instanceTrail(second);
        const pending = new Set(
          trail
            .filter((e) => e.type === 'lcm.lablet.instance.pending')
            .map((e) => e.subject),
        );
        return acknowledged.every((id) => pending.has(id));
      },
      60_000,
      'a pending event in the audit trail for every acknowledged create',
      250,
    );
    // Read after the trail: every event is of a change the instance's committed history holds.
    const instances = new Map(
      (await second.all(`${second.api}/api/v1/instances`)).map((i) => [
        i.id,
        i,
      ]),
    );
    const phantom = trail.filter((event) => {
      const instance = instances.get(event.subject);
      if (!instance) return true;
      const state = event.type.slice('lcm.lablet.instance.'.length);
      return (
        INSTANCE_STATES.includes(state) &&
        !instance.stateHistory.some((t: { to: string }) => t.to === state)
      );
    });
    expect(phantom).toEqual([]);
    process.stdout.write(
      `crash test: ${acknowledged.length} creates acknowledged before SIGKILL, all ${acknowledged.length} found after restart; ${unanswered} in flight; ${instances.size} instances exist, ${trail.length} instance events audited, 0 of an uncommitted change\n`,
    );
  });

  it('converges after a SIGKILL in the middle of an autoscale: every instance runs, one worker per need, no orphan VM', async () => {
    // The sample lab needs 50 GB and 2 nodes: 10 fit a 500 GB / 20-node worker, so 12 need 2 workers.
    const INSTANCES = 12;
    lcm = await EmbeddedLcm.start(dataDir);
    const first = lcm;
    const definitionId = await sampleDefinition(first);
    const ids: string[] = [];
    for (let i = 0; i < INSTANCES; i++) {
      const reply = await first.call('POST', `${first.api}/api/v1/instances`, {
        definitionId,
        ...timeslot(),
      });
      expect(reply.status).toBe(201);
      ids.push(reply.json.id);
    }
    // Kill as soon as the autoscaler committed its first worker, while the VM is still booting.
    await until(
      async () => (await first.all(`${first.api}/api/v1/workers`)).length > 0,
      60_000,
      'the autoscaler to add a worker',
      20,
    );
    const atKill = await first.all(`${first.api}/api/v1/workers`);
    await first.kill('SIGKILL');

    lcm = await EmbeddedLcm.start(dataDir);
    const second = lcm;
    let instances: any[] = [];
    await until(
      async () => {
        instances = (await second.all(`${second.api}/api/v1/instances`)).filter(
          (i) => ids.includes(i.id),
        );
        return (
          instances.length === INSTANCES &&
          instances.every((i) => i.state === 'running')
        );
      },
      150_000,
      'every instance running after the restart',
      500,
      () =>
        JSON.stringify(
          instances.map((i) => [i.state, i.workerId, i.pendingReason]),
        ),
    );
    const workers = (await second.all(`${second.api}/api/v1/workers`)).filter(
      (w) => w.state !== 'terminated',
    );
    const used = new Set(instances.map((i) => i.workerId));
    // One worker per need: every live worker carries instances, and no more than the need (2) exist.
    expect(workers.map((w) => w.id).sort()).toEqual([...used].sort());
    expect(workers.length).toBe(2);
    await second.kill('SIGTERM');
    lcm = undefined;

    // The simulated cloud (same database) runs exactly the workers' VMs: none leaked by the crash.
    const db = new Database(join(dataDir, 'lcm.db'), { readonly: true });
    const snapshot = JSON.parse(
      (
        db
          .prepare(
            "SELECT snapshot FROM simulated_fleet WHERE name = 'default'",
          )
          .get() as { snapshot: string }
      ).snapshot,
    );
    db.close();
    const liveVms = snapshot.vms
      .filter((vm: { phase: string }) => vm.phase !== 'terminate')
      .map((vm: { id: string }) => vm.id);
    expect(liveVms.sort()).toEqual(
      workers.map((w) => w.providerInstanceId).sort(),
    );
    process.stdout.write(
      `crash test: SIGKILL with ${atKill.length} worker(s) committed (${atKill.map((w) => w.state).join(', ')}); after restart ${INSTANCES}/${INSTANCES} instances running on ${workers.length} workers, ${liveVms.length} live VMs\n`,
    );
  });
});

describe('the embedded LCM data directory and signals', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'lcm-embedded-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps the admin secret in the data directory (mode 0600): a token from the first run works after a restart', async () => {
    const one = await EmbeddedLcm.start(dataDir);
    const token = one.banner.token;
    await one.kill('SIGKILL');
    expect(statSync(join(dataDir, 'admin-secret')).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o077).toBe(0);
    const two = await EmbeddedLcm.start(dataDir);
    try {
      const reply = await fetch(`${two.api}/api/v1/definitions`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(reply.status).toBe(200);
    } finally {
      await two.kill('SIGTERM');
    }
  });

  it('refuses a second LCM on the same data directory, leaving the first one serving', async () => {
    const one = await EmbeddedLcm.start(dataDir);
    try {
      await expect(EmbeddedLcm.start(dataDir)).rejects.toThrow(
        /in use by another process/,
      );
      expect(
        (await one.call('GET', `${one.api}/api/v1/definitions`)).status,
      ).toBe(200);
    } finally {
      await one.kill('SIGTERM');
    }
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGKILL'] as const)(
    'stops LCM when npm start gets %s, freeing its ports',
    async (signal) => {
      const { npm, banner, output } = await startWithNpm(dataDir);
      try {
        expect(alive(banner.pid)).toBe(true);
        process.kill(npm.pid as number, signal);
        const took = await gone(banner.pid, 20_000);
        await expect(
          fetch(`${banner.api}/healthz`, { signal: AbortSignal.timeout(2000) }),
        ).rejects.toThrow();
        process.stdout.write(
          `npm start + ${signal}: LCM (pid ${banner.pid}) gone ${took} ms later\n`,
        );
      } catch (error) {
        throw new Error(`${(error as Error).message}\n${output()}`);
      } finally {
        killGroup(npm);
      }
    },
  );
});
