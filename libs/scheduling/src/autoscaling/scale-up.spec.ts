import { failWorker } from '@lcm/domain';
import {
  aPendingInstance,
  aTemplate,
  aWorker,
  at,
  ENTERPRISE_LARGE,
  PERSONAL_STANDARD,
  placeOn,
  restartedWorker,
  T0,
  withAllocated,
} from '../../test/scheduling-fixtures';
import { decideScaleUp, type ScaleUpOptions } from './scale-up';

const options: ScaleUpOptions = { region: 'eu-west-1' };
const templates = [PERSONAL_STANDARD, ENTERPRISE_LARGE];
const now = T0;

describe('decideScaleUp (docs/controller.md#autoscaling)', () => {
  it('requests a worker for a pending instance approaching its timeslot with no capacity', () => {
    const plan = decideScaleUp(
      [aPendingInstance({ id: 'i-1', startsIn: 10 })],
      [],
      templates,
      options,
      now,
    );
    expect(plan).toEqual({
      requests: [
        {
          requestId: 'personal-standard/i-1',
          template: PERSONAL_STANDARD,
          reason: 'Instance i-1 approaching timeslot with no capacity',
          instanceIds: ['i-1'],
          estimatedReadyTime: at(20),
        },
      ],
      skipped: [],
    });
  });

  it('looks as far ahead as the template start-up plus the instantiation allowance (20 + 15 min)', () => {
    const inside = aPendingInstance({ id: 'i-in', startsIn: 35 });
    const outside = aPendingInstance({ id: 'i-out', startsIn: 36 });
    const plan = decideScaleUp([inside, outside], [], templates, options, now);
    expect(plan.requests.map((r) => r.instanceIds)).toEqual([['i-in']]);
    expect(plan.nextDueAt).toBe(at(1));
    expect(
      decideScaleUp(
        [outside],
        [],
        templates,
        { ...options, instantiationAllowanceMinutes: 16 },
        now,
      ).requests,
    ).toHaveLength(1);
    expect(
      decideScaleUp(
        [outside],
        [],
        [aTemplate({ startupTimeMinutes: 21 })],
        options,
        now,
      ).requests,
    ).toHaveLength(1);
  });

  it("asks for a worker its template's start-up plus the instance's declared allowance before the slot", () => {
    // Declared 4 min: due at 30 - 20 - 4 = 6, while the deployment's 15 min would make it due now.
    const quick = aPendingInstance({
      id: 'i-quick',
      startsIn: 30,
      instantiationAllowanceMinutes: 4,
    });
    const plain = aPendingInstance({ id: 'i-plain', startsIn: 30 });
    const plan = decideScaleUp([quick, plain], [], templates, options, now);
    expect(plan.requests.map((r) => r.instanceIds)).toEqual([['i-plain']]);
    expect(plan.nextDueAt).toBe(at(6));
    expect(
      decideScaleUp([quick], [], templates, options, at(6)).requests,
    ).toEqual([expect.objectContaining({ instanceIds: ['i-quick'] })]);
    // Declared 45 min: due at 100 - 20 - 45 = 35, not at 65.
    const slow = aPendingInstance({
      id: 'i-slow',
      startsIn: 100,
      instantiationAllowanceMinutes: 45,
    });
    expect(
      decideScaleUp([slow], [], templates, options, at(35)).requests,
    ).toHaveLength(1);
    expect(
      decideScaleUp([slow], [], templates, options, at(34)).nextDueAt,
    ).toBe(at(35));
  });

  it('ignores instances that fit on a running worker, and ones no longer pending', () => {
    const running = aWorker('running');
    const { instance: scheduled } = placeOn(
      aWorker('running', { id: 'w-2' }),
      aPendingInstance({ id: 'i-s' }),
    );
    const plan = decideScaleUp(
      [aPendingInstance({ id: 'i-fits' }), scheduled],
      [running],
      templates,
      options,
      now,
    );
    expect(plan).toEqual({ requests: [], skipped: [] });
  });

  it('counts room only once: instances ahead in the queue take it first', () => {
    // Room for one 24-core instance on the worker; the second (later timeslot) needs a new worker.
    const worker = withAllocated(aWorker('running'), { cpuCores: 24 });
    const first = aPendingInstance({
      id: 'i-first',
      cpuCores: 24,
      startsIn: 5,
    });
    const second = aPendingInstance({
      id: 'i-second',
      cpuCores: 24,
      startsIn: 10,
    });
    const plan = decideScaleUp(
      [second, first],
      [worker],
      templates,
      options,
      now,
    );
    expect(plan.requests.map((r) => r.instanceIds)).toEqual([['i-second']]);
  });

  it('packs instances that share a new worker into one request', () => {
    const pending = ['i-3', 'i-1', 'i-2'].map((id, n) =>
      aPendingInstance({ id, startsIn: n }),
    );
    const plan = decideScaleUp(pending, [], templates, options, now);
    expect(plan.requests).toHaveLength(1);
    expect(plan.requests[0].instanceIds).toEqual(['i-3', 'i-1', 'i-2']);
    expect(plan.requests[0].reason).toBe(
      '3 instances approaching timeslot with no capacity (i-3, i-1, i-2)',
    );
  });

  it('sends one request to each template needed', () => {
    const personal = aPendingInstance({
      id: 'i-p',
      licenseAffinity: ['PERSONAL'],
    });
    const enterprise = aPendingInstance({
      id: 'i-e',
      licenseAffinity: ['ENTERPRISE'],
      startsIn: 1,
    });
    const plan = decideScaleUp(
      [enterprise, personal],
      [],
      templates,
      options,
      now,
    );
    expect(plan.requests.map((r) => [r.template.name, r.instanceIds])).toEqual([
      ['personal-standard', ['i-p']],
      ['enterprise-large', ['i-e']],
    ]);
  });

  it.each(['pending', 'provisioning'] as const)(
    'counts the capacity a %s worker will bring: nothing new while it can take the instance',
    (state) => {
      const starting = aWorker(state, {
        id: 'w-new',
        templateName: 'personal-standard',
      });
      const plan = decideScaleUp(
        [aPendingInstance({ id: 'i-1', licenseAffinity: ['PERSONAL'] })],
        [starting],
        templates,
        options,
        now,
      );
      expect(plan).toEqual({ requests: [], skipped: [] });
    },
  );

  it('asks for more workers while starting ones are full, up to maxScaleUpInFlight per template', () => {
    const starting = withAllocated(aWorker('provisioning', { id: 'w-full' }), {
      cpuCores: 48,
    });
    const pending = ['i-1', 'i-2', 'i-3'].map((id, n) =>
      aPendingInstance({ id, cpuCores: 48, startsIn: n }),
    );
    const plan = decideScaleUp(
      pending,
      [starting],
      templates,
      { ...options, maxScaleUpInFlight: 3 },
      now,
    );
    expect(plan.requests.map((r) => r.requestId)).toEqual([
      'personal-standard/i-1',
      'personal-standard/i-2',
    ]);
    expect(plan.skipped).toEqual([
      {
        template: 'personal-standard',
        reason:
          'template personal-standard has 3 workers starting, the limit of MAX_SCALE_UP_IN_FLIGHT',
        instanceIds: ['i-3'],
      },
    ]);
  });

  it('restarts a stopped worker of the template rather than creating one (oldest first)', () => {
    const stopped = [
      aWorker('stopped', { id: 'w-young', createdAt: at(-60) }),
      aWorker('stopped', { id: 'w-old', createdAt: at(-600) }),
    ];
    const plan = decideScaleUp(
      [aPendingInstance({ id: 'i-1' })],
      stopped,
      templates,
      options,
      now,
    );
    expect(plan.requests).toEqual([
      {
        requestId: 'restart/w-old',
        template: PERSONAL_STANDARD,
        reason:
          'Instance i-1 approaching timeslot with no capacity; restarting stopped worker w-old',
        instanceIds: ['i-1'],
        restartWorkerId: 'w-old',
        estimatedReadyTime: at(20),
      },
    ]);
  });

  it('holds a stopped worker for a booking and restarts it when the slot minus the allowance and the learned restart time comes', () => {
    // Restarts of the template took 6 min: the estimate is 9 (x 1.5). Slot at 60: due for a new
    // worker at 60 - 20 (start-up) - 15 (allowance) = 25, for the restart at 60 - 15 - 9 = 36.
    const stopped = restartedWorker('w-s', [6], 'personal-standard', at(-300));
    const booking = aPendingInstance({ id: 'i-1', startsIn: 60 });
    const early = decideScaleUp(
      [booking],
      [stopped],
      templates,
      options,
      at(25),
    );
    expect(early).toEqual({
      requests: [],
      skipped: [],
      deferred: [{ workerId: 'w-s', restartAt: at(36), instanceIds: ['i-1'] }],
      nextDueAt: at(36),
    });
    const due = decideScaleUp([booking], [stopped], templates, options, at(36));
    expect(due.deferred).toBeUndefined();
    expect(due.requests).toEqual([
      expect.objectContaining({
        requestId: 'restart/w-s',
        restartWorkerId: 'w-s',
        instanceIds: ['i-1'],
      }),
    ]);
    // Never restarted before: the declared start-up, asked for at 25 as a new worker would be.
    const unknown = aWorker('stopped', { id: 'w-s' });
    expect(
      decideScaleUp([booking], [unknown], templates, options, at(25)).requests,
    ).toEqual([expect.objectContaining({ restartWorkerId: 'w-s' })]);
  });

  it('restarts a held stopped worker by the slot minus the declared allowance of the instances it serves and the restart estimate', () => {
    // Restart estimate 9 min. i-1 at 60 declares 4 min (restart at 47); i-2 at 62 declares 10
    // (restart at 43): the worker is restarted for the earlier of the two, not at the earliest
    // slot minus the deployment's allowance (60 - 15 - 9 = 36).
    const stopped = restartedWorker('w-s', [6], 'personal-standard', at(-300));
    const first = aPendingInstance({
      id: 'i-1',
      startsIn: 60,
      instantiationAllowanceMinutes: 4,
    });
    expect(
      decideScaleUp([first], [stopped], templates, options, at(36)).deferred,
    ).toEqual([{ workerId: 'w-s', restartAt: at(47), instanceIds: ['i-1'] }]);
    const second = aPendingInstance({
      id: 'i-2',
      startsIn: 62,
      instantiationAllowanceMinutes: 10,
    });
    const plan = decideScaleUp(
      [first, second],
      [stopped],
      templates,
      options,
      at(36),
    );
    expect(plan.requests).toEqual([]);
    expect(plan.deferred).toEqual([
      { workerId: 'w-s', restartAt: at(43), instanceIds: ['i-1', 'i-2'] },
    ]);
  });

  it('asks for the new workers a booking needs beyond the stopped ones at once; a held restart takes no place in MAX_SCALE_UP_IN_FLIGHT', () => {
    // Fifteen labs, ten to a worker: the stopped worker is held for the first ten, one new
    // worker is started for the other five at 25 even with one worker allowed in flight.
    const stopped = restartedWorker('w-s', [6], 'personal-standard', at(-300));
    const class15 = Array.from({ length: 15 }, (_, k) =>
      aPendingInstance({
        id: `i-${String(k + 1).padStart(2, '0')}`,
        startsIn: 60,
      }),
    );
    const plan = decideScaleUp(
      class15,
      [stopped],
      templates,
      { ...options, maxScaleUpInFlight: 1 },
      at(25),
    );
    expect(plan.skipped).toEqual([]);
    expect(plan.requests).toHaveLength(1);
    expect(plan.requests[0].restartWorkerId).toBeUndefined();
    expect(plan.deferred).toEqual([
      expect.objectContaining({ workerId: 'w-s', restartAt: at(36) }),
    ]);
    // Between them, every lab of the class (the re-pack may put either half on either worker).
    expect(
      [
        ...plan.requests[0].instanceIds,
        ...(plan.deferred ?? [])[0].instanceIds,
      ].sort(),
    ).toEqual(class15.map((i) => i.id));
  });

  it('does not restart a stopped worker that could not take the instance', () => {
    const tooSmall = aWorker('stopped', {
      id: 'w-small',
      declared: { cpuCores: 2 },
    });
    const [request] = decideScaleUp(
      [aPendingInstance()],
      [tooSmall],
      templates,
      options,
      now,
    ).requests;
    expect(request.restartWorkerId).toBeUndefined();
  });

  it('respects maxWorkersPerTemplate', () => {
    const workers = [
      aWorker('running', { id: 'w-1', declared: { cpuCores: 1 } }),
      aWorker('stopping', { id: 'w-2' }),
    ];
    const plan = decideScaleUp(
      [aPendingInstance({ id: 'i-1' })],
      workers,
      templates,
      { ...options, maxWorkersPerTemplate: 2 },
      now,
    );
    expect(plan.requests).toEqual([]);
    expect(plan.skipped).toEqual([
      {
        template: 'personal-standard',
        reason: 'template personal-standard is at its limit of 2 workers',
        instanceIds: ['i-1'],
      },
    ]);
  });

  it('respects maxWorkers across templates, serving the earliest instance first', () => {
    const personal = aPendingInstance({
      id: 'i-p',
      licenseAffinity: ['PERSONAL'],
      startsIn: 5,
    });
    const enterprise = aPendingInstance({
      id: 'i-e',
      licenseAffinity: ['ENTERPRISE'],
      startsIn: 1,
    });
    const plan = decideScaleUp(
      [personal, enterprise],
      [],
      templates,
      { ...options, maxWorkers: 1 },
      now,
    );
    expect(plan.requests.map((r) => r.template.name)).toEqual([
      'enterprise-large',
    ]);
    expect(plan.skipped).toEqual([
      {
        template: 'personal-standard',
        reason: 'at the limit of 1 worker',
        instanceIds: ['i-p'],
      },
    ]);
  });

  it('does not count failed workers against the limits', () => {
    const pending = aWorker('pending', { id: 'w-failed' });
    const failed = {
      ...pending,
      worker: failWorker(pending.worker, {
        now: at(45),
        triggeredBy: 'lcm/controller',
        reason: 'provisioning_timeout',
      }).worker,
    };
    const plan = decideScaleUp(
      [aPendingInstance()],
      [failed],
      templates,
      { ...options, maxWorkers: 1 },
      now,
    );
    expect(plan.requests).toHaveLength(1);
  });

  it('reports instances no template can serve', () => {
    const huge = aPendingInstance({ id: 'i-huge', cpuCores: 96 });
    const plan = decideScaleUp([huge], [], [aTemplate()], options, now);
    expect(plan.requests).toEqual([]);
    expect(plan.skipped).toEqual([
      {
        template: null,
        reason: 'no eligible template (personal-standard: too small (cpu))',
        instanceIds: ['i-huge'],
      },
    ]);
  });
});
