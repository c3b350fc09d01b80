// The LabRuntime contract: what every lab engine behind the port must do, written against the port
// only, so it runs on the simulated runtime (manual clock) and on CmlLabRuntime against the CML
// emulator (real time). Engine time is let pass through `elapse`; states are awaited.
import { randomBytes } from 'node:crypto';
import type { LabRuntime, LabState } from '../src/ports/lab-runtime';
import { InvalidParameter, LabNotFound } from '../src/ports/provider-errors';
import { LAB_YAML } from './simulated-fixtures';

export interface RuntimeUnderTest {
  runtime: LabRuntime;
  /** A host whose engine is AVAILABLE, of this test only. */
  host: string;
  /** A host nothing answers at, and the runtime to ask (the same one when it can address it). */
  unreachable: { runtime: LabRuntime; host: string };
  /** Lets engine time pass: a manual clock advances, a real engine is given a moment. */
  elapse(ms: number): Promise<void>;
  close(): Promise<void>;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

export function describeLabRuntimeContract(
  name: string,
  setup: () => Promise<RuntimeUnderTest>,
): void {
  describe(`LabRuntime contract: ${name}`, () => {
    let engine: RuntimeUnderTest;
    let key: (name: string) => string;

    beforeEach(async () => {
      engine = await setup();
      const prefix = `ct${randomBytes(4).toString('hex')}`;
      key = (name) => `${prefix}-${name}`;
    });
    afterEach(() => engine.close());

    const lab = (idempotencyKey: string, yaml = LAB_YAML) => ({
      idempotencyKey,
      title: 'DEVASC sample',
      yaml,
    });

    async function reach(labId: string, states: (LabState | undefined)[]) {
      let state: LabState | undefined;
      for (let i = 0; i < 100; i += 1) {
        state = await engine.runtime.labState(engine.host, labId);
        if (states.includes(state)) return state;
        await engine.elapse(500);
      }
      throw new Error(
        `${labId} never reached ${states.join('|')}: last ${state}`,
      );
    }

    it('reports an AVAILABLE engine with its version, and UNAVAILABLE where nothing answers', async () => {
      expect(await engine.runtime.health(engine.host)).toEqual({
        status: 'AVAILABLE',
        version: expect.stringMatching(/^2\.\d+\.\d+$/),
      });
      const { unreachable } = engine;
      expect(await unreachable.runtime.health(unreachable.host)).toEqual({
        status: 'UNAVAILABLE',
      });
    });

    it('imports once per key, starts through STARTING to STARTED, lists, stops, wipes and deletes a lab', async () => {
      const { runtime, host } = engine;
      const first = await runtime.importLab(host, lab(key('inst-1')));
      expect(first.created).toBe(true);
      expect(await runtime.importLab(host, lab(key('inst-1')))).toEqual({
        labId: first.labId,
        created: false,
      });
      expect(await runtime.labState(host, first.labId)).toBe('DEFINED');
      await runtime.startLab(host, first.labId);
      await runtime.startLab(host, first.labId); // no-op while starting
      expect(['STARTING', 'STARTED']).toContain(
        await runtime.labState(host, first.labId),
      );
      await reach(first.labId, ['STARTED']);
      const mine = (await runtime.listLabs(host)).filter(
        (summary) => summary.idempotencyKey === key('inst-1'),
      );
      expect(mine).toEqual([
        expect.objectContaining({
          labId: first.labId,
          state: 'STARTED',
          nodeCount: 3,
          title: 'DEVASC sample',
        }),
      ]);
      const nodes = await runtime.nodes?.(host, first.labId);
      expect(nodes?.find((n) => n.label === 'ubuntu-desktop')).toEqual({
        label: 'ubuntu-desktop',
        state: 'STARTED',
        ports: [
          { protocol: 'serial', port: 5042 },
          { protocol: 'vnc', port: 5044 },
        ],
      });
      await runtime.stopLab(host, first.labId);
      expect(await runtime.labState(host, first.labId)).toBe('STOPPED');
      await runtime.wipeLab(host, first.labId);
      // CML reports a wiped lab as defined again; the simulated engine names it WIPED.
      expect(['WIPED', 'DEFINED']).toContain(
        await runtime.labState(host, first.labId),
      );
      await runtime.startLab(host, first.labId);
      await reach(first.labId, ['STARTED']);
      await runtime.deleteLab(host, first.labId); // stops and wipes first as needed
      expect(await runtime.labState(host, first.labId)).toBeUndefined();
      await expect(
        runtime.deleteLab(host, first.labId),
      ).resolves.toBeUndefined();
      expect((await runtime.importLab(host, lab(key('inst-1')))).created).toBe(
        true,
      );
    });

    it('reports its licence: a registered type with a node limit, and the nodes of started labs in use', async () => {
      const { runtime, host } = engine;
      if (!runtime.licensing) throw new Error(`${name} reports no licence`);
      expect(await runtime.licensing(host)).toMatchObject({
        licenseType: 'PERSONAL',
        status: 'REGISTERED',
        nodeLimit: 20,
        nodesInUse: 0,
      });
      const { labId } = await runtime.importLab(host, lab(key('licence')));
      await runtime.startLab(host, labId);
      await reach(labId, ['STARTED']);
      const nodes = (await runtime.listLabs(host)).find(
        (summary) => summary.labId === labId,
      )?.nodeCount;
      expect(nodes).toBeGreaterThan(0);
      expect((await runtime.licensing(host)).nodesInUse).toBe(nodes);
      await runtime.deleteLab(host, labId);
    });

    it('returns the same lab to concurrent imports of one key', async () => {
      const results = await Promise.all(
        [1, 2, 3].map(() =>
          engine.runtime.importLab(engine.host, lab(key('inst-c'))),
        ),
      );
      expect(new Set(results.map((r) => r.labId)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
    });

    it('answers with typed errors: LabNotFound, InvalidParameter for unrewritten YAML', async () => {
      const missing = await caught(
        engine.runtime.startLab(engine.host, 'lab-unknown'),
      );
      expect(missing).toBeInstanceOf(LabNotFound);
      expect(missing).toMatchObject({
        host: engine.host,
        labId: 'lab-unknown',
        retryable: false,
      });
      expect(
        await engine.runtime.labState(engine.host, 'lab-unknown'),
      ).toBeUndefined();
      const placeholders = await caught(
        engine.runtime.importLab(
          engine.host,
          lab(
            key('inst-2'),
            'nodes:\n  - label: a\n    tags: [serial:${PORT_SERIAL_1}]\n',
          ),
        ),
      );
      expect(placeholders).toBeInstanceOf(InvalidParameter);
      expect(placeholders).toMatchObject({ field: 'yaml' });
    });

    it('refuses lab calls where no engine answers (LabEngineUnavailable, retryable)', async () => {
      const { unreachable } = engine;
      const down = await caught(unreachable.runtime.listLabs(unreachable.host));
      expect(down).toMatchObject({
        code: 'LAB_ENGINE_UNAVAILABLE',
        status: 'UNAVAILABLE',
        retryable: true,
      });
    });
  });
}
