import { setPendingReason } from '@lcm/domain';
import type { StateStore } from '@lcm/state-store';
import {
  addRunningWorker,
  ApiHarness,
  definitionBody,
  startTestApi,
  timeslot,
} from './api-harness';

/**
 * Reads of instances and workers come from the api's watch caches. Every case writes and then reads
 * at once, without waiting: a read must see every write acknowledged before it, whether the api
 * made it or another process (scheduler, controller) wrote the store. On every local driver; the
 * api's integration suite runs the same on etcd.
 */
export function describeWatchCacheReads(
  driver: string,
  open: () => { store: StateStore; prefix?: string; cleanup(): void },
): void {
  describe(`reads from the watch cache (${driver})`, () => {
    let h: ApiHarness;
    let admin: string;
    let definitionId: string;
    let cleanup: () => void;
    beforeEach(async () => {
      const opened = open();
      cleanup = opened.cleanup;
      h = await startTestApi({ state: opened.store, prefix: opened.prefix });
      admin = await h.token('admin', 'alice');
      definitionId = (
        await h.call('POST', '/api/v1/definitions', {
          token: admin,
          body: definitionBody(),
        })
      ).json.id;
    });
    afterEach(async () => {
      await h.close();
      await h.state.close();
      cleanup();
    });

    const reserve = (ownerId = 'alice') =>
      h.call('POST', '/api/v1/instances', {
        token: admin,
        body: { definitionId, ownerId, ...timeslot() },
      });
    const ids = (reply: { json: { items: { id: string }[] } }) =>
      reply.json.items.map((i) => i.id);

    it('reads its own writes: a POST is in the next GET and list, with the list’s resourceVersion', async () => {
      for (let i = 0; i < 5; i++) {
        const created = await reserve();
        expect(created.status).toBe(201);
        const got = await h.call(
          'GET',
          `/api/v1/instances/${created.json.id}`,
          { token: admin },
        );
        expect(got.status).toBe(200);
        expect(got.json.resourceVersion).toBe(created.json.resourceVersion);
        const listed = await h.call('GET', '/api/v1/instances?limit=1', {
          token: admin,
        });
        expect(ids(listed)).toEqual([created.json.id]);
        expect(listed.json.resourceVersion).toBeGreaterThanOrEqual(
          created.json.resourceVersion,
        );
      }
    });

    it('sees at once what another process wrote to the store', async () => {
      const created = await reserve();
      const current = await h.instances.require(created.json.id);
      const explained = setPendingReason(current.value, 'no worker fits', {
        now: new Date().toISOString(),
        triggeredBy: 'lcm/scheduler',
      });
      await h.instances.commit(
        explained,
        { instance: current.revision },
        { events: [] },
      );
      const got = await h.call('GET', `/api/v1/instances/${created.json.id}`, {
        token: admin,
      });
      expect(got.json.pendingReason).toBe('no worker fits');

      const workerId = await addRunningWorker(h, { templateName: 'cached-t' });
      const worker = await h.call('GET', `/api/v1/workers/${workerId}`, {
        token: admin,
      });
      expect(worker.status).toBe(200);
      expect(worker.json.state).toBe('running');
      const listed = await h.call(
        'GET',
        '/api/v1/workers?templateName=cached-t',
        { token: admin },
      );
      expect(ids(listed)).toEqual([workerId]);
      expect(listed.json.resourceVersion).toBeGreaterThanOrEqual(
        worker.json.resourceVersion,
      );
    });

    it('lists after a delete: a terminated instance leaves the pending filter, a removed one the list', async () => {
      const kept = await reserve();
      const deleted = await reserve();
      expect(
        (
          await h.call('DELETE', `/api/v1/instances/${deleted.json.id}`, {
            token: admin,
          })
        ).status,
      ).toBe(202);
      const pending = await h.call('GET', '/api/v1/instances?state=pending', {
        token: admin,
      });
      expect(ids(pending)).toEqual([kept.json.id]);
      const terminated = await h.call(
        'GET',
        '/api/v1/instances?state=terminated',
        { token: admin },
      );
      expect(ids(terminated)).toEqual([deleted.json.id]);

      const record = await h.instances.require(deleted.json.id);
      await h.instances.remove(deleted.json.id, record.revision);
      expect(
        ids(await h.call('GET', '/api/v1/instances', { token: admin })),
      ).toEqual([kept.json.id]);
      expect(
        (
          await h.call('GET', `/api/v1/instances/${deleted.json.id}`, {
            token: admin,
          })
        ).status,
      ).toBe(404);
    });

    it('pages by keyset: a walk neither skips nor repeats while instances are created, and filters use the same order', async () => {
      const made = new Set<string>();
      for (let i = 0; i < 7; i++)
        made.add((await reserve(i % 2 === 0 ? 'even' : 'odd')).json.id);
      const all = ids(
        await h.call('GET', '/api/v1/instances?limit=500', { token: admin }),
      );
      expect(new Set(all)).toEqual(made);
      const walked: string[] = [];
      let cursor: string | null = null;
      do {
        const page: {
          json: { items: { id: string }[]; nextCursor: string | null };
        } = await h.call(
          'GET',
          `/api/v1/instances?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
          { token: admin },
        );
        walked.push(...ids(page));
        cursor = page.json.nextCursor;
        // Newer instances sort before the cursor: they never shift the rest of the walk.
        await reserve('late');
      } while (cursor !== null);
      expect(walked.filter((id) => made.has(id))).toEqual(all);
      expect(walked).toHaveLength(all.length);
      const odd = ids(
        await h.call('GET', '/api/v1/instances?ownerId=odd', { token: admin }),
      );
      expect(odd).toHaveLength(3);
      const firstOdd = await h.call(
        'GET',
        '/api/v1/instances?ownerId=odd&limit=2',
        { token: admin },
      );
      const restOdd = await h.call(
        'GET',
        `/api/v1/instances?ownerId=odd&limit=2&cursor=${firstOdd.json.nextCursor}`,
        { token: admin },
      );
      expect([...ids(firstOdd), ...ids(restOdd)]).toEqual(odd);
      expect(restOdd.json.nextCursor).toBeNull();
    });
  });
}
