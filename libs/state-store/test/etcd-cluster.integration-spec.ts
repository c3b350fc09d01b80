import { errorMessage } from '@lcm/domain';
import {
  findOnPath,
  startLocalEtcdCluster,
  type LocalEtcdCluster,
} from '@lcm/testing';
import {
  EtcdStateStore,
  LeaderElection,
  leaseTiming,
  PrefixInformer,
  StoreObserver,
  WatchBatch,
} from '../src';

const haveEtcdBinary = findOnPath('etcd') !== undefined;
if (!haveEtcdBinary && process.env['CI'] === 'true')
  throw new Error(
    'CI needs the etcd binary to run a three-member etcd cluster',
  );

/** Writers running at once, each committing one key after another (steady writes). */
const WRITERS = 4;
/** Default lease TTL of the scheduler and controller: it must survive the member loss. */
const LEASE_TTL_SECONDS = 10;

(haveEtcdBinary ? describe : describe.skip)(
  'the etcd driver on a three-member etcd cluster (its own etcd processes)',
  () => {
    let cluster: LocalEtcdCluster;
    let store: EtcdStateStore;

    beforeAll(async () => {
      cluster = await startLocalEtcdCluster({ members: 3 });
      // The defaults (call timeout 2 s, stall budget 8 s): what a deployment gets.
      store = new EtcdStateStore({ endpoints: cluster.endpoints });
    }, 60_000);
    afterAll(async () => {
      await store?.close();
      await cluster?.stop();
    });

    it('the etcd leader is killed under steady writes: no write fails, the LCM leader keeps its term, the watch misses nothing', async () => {
      expect(
        leaseTiming({ ttlSeconds: LEASE_TTL_SECONDS }).survivesMemberLoss,
      ).toBe(true);
      const terms: string[] = [];
      const election = new LeaderElection({
        store,
        key: '/cluster/leader',
        candidateId: 'lcm-leader',
        ttlSeconds: LEASE_TTL_SECONDS,
        onElected: (fence) => terms.push(`elected@${fence.createRevision}`),
        onDeposed: (reason, fence) =>
          terms.push(`deposed@${fence.createRevision}: ${reason}`),
      });
      await election.campaign();

      const seen: WatchBatch[] = [];
      const informer = new PrefixInformer(
        store,
        '/cluster/data/',
        { onSnapshot: () => undefined, onBatch: (b) => void seen.push(b) },
        {
          name: 'cluster-test',
          observer: new StoreObserver({
            log: () => undefined,
            warn: () => undefined,
            error: () => undefined,
          }),
        },
      );
      await informer.start();

      const failures: string[] = [];
      const latencies: { at: number; ms: number }[] = [];
      let written = 0;
      let stopping = false;
      const writer = async (w: number) => {
        for (let i = 0; !stopping; i++) {
          const key = `/cluster/data/w${w}-${String(i).padStart(5, '0')}`;
          const started = Date.now();
          try {
            // Guarded as LCM's writes are (create only if absent): a re-sent write cannot apply twice.
            const result = await store.txn({
              compare: [{ key, target: 'createRevision', op: '=', value: 0 }],
              success: [{ type: 'put', key, value: String(i) }],
            });
            if (!result.succeeded)
              failures.push(`${key}: compare failed (applied twice?)`);
            else written++;
          } catch (error) {
            failures.push(`${key}: ${errorMessage(error)}`);
          }
          latencies.push({ at: started, ms: Date.now() - started });
        }
      };
      const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));

      await new Promise((r) => setTimeout(r, 1500));
      const victim = await cluster.leader();
      const killedAt = Date.now();
      await victim.kill('SIGKILL');
      const successor = await cluster.leader();
      const electedAfterMs = Date.now() - killedAt;
      // Writes go on for two lease TTLs past the kill: long enough for a lost lease to show.
      await new Promise((r) => setTimeout(r, LEASE_TTL_SECONDS * 1000));
      stopping = true;
      await Promise.all(writers);

      const deadline = Date.now() + 10_000;
      while (
        seen.flatMap((b) => b.events).length < written &&
        Date.now() < deadline
      )
        await new Promise((r) => setTimeout(r, 50));
      await informer.stop();

      const longest = latencies.reduce((max, l) => (l.ms > max.ms ? l : max), {
        at: 0,
        ms: 0,
      });
      console.log(
        `three-member etcd, leader ${victim.name} SIGKILLed under ${WRITERS} steady writers: ${written} writes, ${failures.length} failed; ` +
          `etcd elected ${successor.name} (seen ${electedAfterMs} ms after the kill); longest write stall ${longest.ms} ms ` +
          `(started ${longest.at - killedAt} ms after the kill); LCM leader terms: ${terms.join(', ')}`,
      );
      expect(failures).toEqual([]);
      expect(successor.name).not.toBe(victim.name);
      // One term from start to end: one etcd member loss does not depose the LCM leader.
      expect(terms).toHaveLength(1);
      expect(election.isLeader()).toBe(true);
      // Every write reached the watch exactly once, in revision order.
      const keys = seen.flatMap((b) => b.events.map((e) => e.key));
      expect(keys).toHaveLength(written);
      expect(new Set(keys).size).toBe(written);
      const revisions = seen.map((b) => b.revision);
      expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
      // No write waits beyond the stall budget (8 s by default).
      expect(longest.ms).toBeLessThan(8000);
      await election.resign();
      await victim.restart();
    }, 90_000);
  },
);
