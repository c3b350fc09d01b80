import { PassRunner } from './pass-runner';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function aRunner() {
  const state = {
    work: 0,
    passes: 0,
    canRun: true,
    block: undefined as Promise<void> | undefined,
  };
  const runner: PassRunner = new PassRunner({
    pass: async () => {
      state.passes++;
      // Takes the work there is when it starts; what arrives meanwhile is left.
      const taken = state.work;
      if (state.block) await state.block;
      state.work -= taken;
    },
    canRun: () => state.canRun,
    hasWork: () => state.work > 0,
    isIdle: () => !runner.isRunning && state.work === 0,
  });
  return { runner, state };
}

describe('PassRunner', () => {
  it('runs one pass for several kicks made before it starts, and none when it may not run', async () => {
    const { runner, state } = aRunner();
    state.work = 3;
    runner.kick();
    runner.kick();
    runner.kick();
    await runner.whenIdle();
    expect(state.passes).toBe(1);
    state.canRun = false;
    state.work = 1;
    runner.kick();
    await tick();
    await tick();
    expect(state.passes).toBe(1);
  });

  it('gives work that arrived during a pass its own pass, and wakes idle waiters only at the end', async () => {
    const { runner, state } = aRunner();
    let release!: () => void;
    state.block = new Promise((resolve) => (release = resolve));
    state.work = 1;
    runner.kick();
    await tick();
    expect(runner.isRunning).toBe(true);
    let idle = false;
    void runner.whenIdle().then(() => (idle = true));
    // New work while the pass runs: the kick is ignored, the pass's end sees the work.
    state.work++;
    runner.kick();
    await tick();
    expect(state.passes).toBe(1);
    expect(idle).toBe(false);
    state.block = undefined;
    release();
    await runner.whenIdle();
    expect(state.passes).toBe(2);
    expect(state.work).toBe(0);
    expect(idle).toBe(true);
  });
});
