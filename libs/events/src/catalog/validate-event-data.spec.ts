import type {
  AssessmentGradingCompletedData,
  InstanceRunningData,
  InstanceTerminatedData,
  ScalingUpRequestedData,
  WorkerCordonedData,
  WorkerDrainCancelledData,
} from '@lcm/domain';
import { validateEventData, type EventIssue } from './validate-event-data';

const NOW = '2026-01-16T10:00:00.000Z';

function runningData(): InstanceRunningData {
  return {
    instanceId: 'i-1',
    definitionId: 'def-1',
    definitionVersion: '1.0.0',
    previousState: 'instantiating',
    newState: 'running',
    workerId: 'w-1',
    timestamp: NOW,
    triggeredBy: 'lcm/controller',
    workerHostname: 'w1.lab.example',
    cmlLabId: 'lab-1',
    allocatedPorts: { serial_1: 2000, vnc_1: 2001 },
    startedAt: NOW,
    podAssigned: true,
    pod: {
      id: 'i-1',
      devices: [
        {
          label: 'router',
          hostname: 'router',
          collector: 'lcm',
          interfaces: [
            {
              name: 'console-router',
              protocol: 'console',
              host: 'w1.lab.example',
              port: 2000,
              authentication: { scheme: 'none', properties: {} },
              configuration: {},
            },
          ],
        },
      ],
    },
    restarted: false,
  };
}

function terminatedData(): InstanceTerminatedData {
  return {
    instanceId: 'i-1',
    definitionId: 'def-1',
    definitionVersion: '1.0.0',
    previousState: 'archived',
    newState: 'terminated',
    workerId: 'w-1',
    timestamp: NOW,
    triggeredBy: 'lcm/controller',
    finalState: 'archived',
    gradingScore: { total: 8, max: 10, passed: true },
    durationMinutes: 42,
    forced: false,
  };
}

function gradingResult(): AssessmentGradingCompletedData {
  return {
    instanceId: 'i-1',
    score: {
      total: 8,
      max: 10,
      breakdown: [{ criterion: 'ping works', points: 8, max: 10 }],
    },
    passed: true,
  };
}

/** Sets a value at a dotted path in a copy (`undefined` deletes it). */
function withValue<T>(
  data: T,
  path: string,
  value: unknown,
): Record<string, unknown> {
  const copy = structuredClone(data) as Record<string, unknown>;
  const keys = path.split('.');
  let target = copy as Record<string, unknown>;
  for (const key of keys.slice(0, -1))
    target = target[key] as Record<string, unknown>;
  const last = keys[keys.length - 1];
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

function issuesOf(type: string, data: unknown): EventIssue[] {
  const result = validateEventData(type, data);
  if (result.ok) throw new Error(`expected ${type} data to be rejected`);
  return result.issues;
}

describe('validateEventData', () => {
  it('accepts valid data and returns the same plain object', () => {
    const data = runningData();
    const result = validateEventData('lcm.lablet.instance.running', data);
    expect(result).toEqual({ ok: true, data });
    if (result.ok) expect(result.data).toBe(data);
  });

  it('allows fields the class does not list (consumers tolerate additive changes)', () => {
    const data = { ...runningData(), addedInALaterVersion: { anything: true } };
    expect(validateEventData('lcm.lablet.instance.running', data).ok).toBe(
      true,
    );
  });

  it('rejects an unknown type on the `type` field', () => {
    expect(issuesOf('lcm.lablet.instance.exploded', {})).toEqual([
      {
        field: 'type',
        message: expect.stringContaining('lcm.lablet.instance.exploded'),
      },
    ]);
  });

  it.each([
    ['null', null],
    ['a list', [runningData()]],
    ['a string', 'data'],
    ['nothing', undefined],
  ])('rejects data that is %s', (_label, data) => {
    expect(issuesOf('lcm.lablet.instance.running', data)).toEqual([
      { field: 'data', message: expect.stringMatching(/^must be an object/) },
    ]);
  });

  // [description, type, valid data, path to change, new value (undefined: remove), expected field]
  const cases: [string, string, unknown, string, unknown, string][] = [
    [
      'a missing required id',
      'lcm.lablet.instance.running',
      runningData(),
      'instanceId',
      undefined,
      'data.instanceId',
    ],
    [
      'a blank id',
      'lcm.lablet.instance.running',
      runningData(),
      'cmlLabId',
      '   ',
      'data.cmlLabId',
    ],
    [
      'a number for a string',
      'lcm.lablet.instance.running',
      runningData(),
      'workerHostname',
      42,
      'data.workerHostname',
    ],
    [
      'null for a required worker',
      'lcm.lablet.instance.running',
      runningData(),
      'workerId',
      null,
      'data.workerId',
    ],
    [
      'an unknown instance state',
      'lcm.lablet.instance.running',
      runningData(),
      'newState',
      'exploded',
      'data.newState',
    ],
    [
      'an unknown previous state',
      'lcm.lablet.instance.running',
      runningData(),
      'previousState',
      'RUNNING',
      'data.previousState',
    ],
    [
      'a timestamp without a zone',
      'lcm.lablet.instance.running',
      runningData(),
      'timestamp',
      '2026-01-16T10:00:00',
      'data.timestamp',
    ],
    [
      'a date that is not a timestamp',
      'lcm.lablet.instance.running',
      runningData(),
      'startedAt',
      'yesterday',
      'data.startedAt',
    ],
    [
      'null for an optional reason (absent is fine, null is not)',
      'lcm.lablet.instance.running',
      runningData(),
      'reason',
      null,
      'data.reason',
    ],
    [
      'a port out of range',
      'lcm.lablet.instance.running',
      runningData(),
      'allocatedPorts',
      { serial_1: 70000 },
      'data.allocatedPorts',
    ],
    [
      'a port that is a string',
      'lcm.lablet.instance.running',
      runningData(),
      'allocatedPorts',
      { serial_1: '2000' },
      'data.allocatedPorts',
    ],
    [
      'ports as a list',
      'lcm.lablet.instance.running',
      runningData(),
      'allocatedPorts',
      [2000],
      'data.allocatedPorts',
    ],
    [
      'a string for a boolean',
      'lcm.lablet.instance.running',
      runningData(),
      'restarted',
      'false',
      'data.restarted',
    ],
    [
      'podAssigned disagreeing with the Pod',
      'lcm.lablet.instance.running',
      runningData(),
      'podAssigned',
      false,
      'data.podAssigned',
    ],
    [
      'a Pod that is a string',
      'lcm.lablet.instance.running',
      { ...runningData() },
      'pod',
      'pod-1',
      'data.pod',
    ],
    [
      'a Pod interface port out of range',
      'lcm.lablet.instance.running',
      runningData(),
      'pod.devices.0.interfaces.0.port',
      0,
      'data.pod.devices[0].interfaces[0].port',
    ],
    [
      'a Pod interface protocol unknown',
      'lcm.lablet.instance.running',
      runningData(),
      'pod.devices.0.interfaces.0.protocol',
      'ssh',
      'data.pod.devices[0].interfaces[0].protocol',
    ],
    [
      'a Pod authentication scheme unknown',
      'lcm.lablet.instance.running',
      runningData(),
      'pod.devices.0.interfaces.0.authentication.scheme',
      'password',
      'data.pod.devices[0].interfaces[0].authentication.scheme',
    ],
    [
      'a Pod device collector other than lcm',
      'lcm.lablet.instance.running',
      runningData(),
      'pod.devices.0.collector',
      'other',
      'data.pod.devices[0].collector',
    ],
    [
      'a negative duration',
      'lcm.lablet.instance.terminated',
      terminatedData(),
      'durationMinutes',
      -1,
      'data.durationMinutes',
    ],
    [
      'a fractional duration',
      'lcm.lablet.instance.terminated',
      terminatedData(),
      'durationMinutes',
      1.5,
      'data.durationMinutes',
    ],
    [
      'a score without passed',
      'lcm.lablet.instance.terminated',
      terminatedData(),
      'gradingScore.passed',
      undefined,
      'data.gradingScore.passed',
    ],
    [
      'an unknown final state',
      'lcm.lablet.instance.terminated',
      terminatedData(),
      'finalState',
      'gone',
      'data.finalState',
    ],
    [
      'a negative breakdown score',
      'assessment.grading.completed',
      gradingResult(),
      'score.breakdown.0.points',
      -2,
      'data.score.breakdown[0].points',
    ],
    [
      'a breakdown that is not a list',
      'assessment.grading.completed',
      gradingResult(),
      'score.breakdown',
      { a: 1 },
      'data.score.breakdown',
    ],
    [
      'a missing score total',
      'assessment.grading.completed',
      gradingResult(),
      'score.total',
      undefined,
      'data.score.total',
    ],
    [
      'an infinite score max',
      'assessment.grading.completed',
      gradingResult(),
      'score.max',
      Infinity,
      'data.score.max',
    ],
    [
      'a score that is a list',
      'assessment.grading.completed',
      gradingResult(),
      'score',
      [{ total: 1, max: 1, breakdown: [] }],
      'data.score',
    ],
    [
      'passed as a string',
      'assessment.grading.completed',
      gradingResult(),
      'passed',
      'yes',
      'data.passed',
    ],
  ];

  it.each(cases)(
    'reports %s with its field path',
    (_label, type, data, path, value, field) => {
      const issues = issuesOf(type, withValue(data, path, value));
      expect(issues.map((issue) => issue.field)).toContain(field);
      for (const issue of issues) expect(issue.message).not.toBe('');
    },
  );

  it('reports every broken field at once', () => {
    const data = {
      ...runningData(),
      instanceId: 1,
      timestamp: 'now',
      restarted: null,
    };
    const fields = issuesOf('lcm.lablet.instance.running', data).map(
      (issue) => issue.field,
    );
    expect(fields).toEqual(
      expect.arrayContaining([
        'data.instanceId',
        'data.timestamp',
        'data.restarted',
      ]),
    );
  });

  it('a running event without a Pod says so with podAssigned false', () => {
    const data = { ...runningData(), pod: null, podAssigned: false };
    expect(validateEventData('lcm.lablet.instance.running', data).ok).toBe(
      true,
    );
    expect(
      issuesOf('lcm.lablet.instance.running', { ...data, podAssigned: true }),
    ).toEqual([{ field: 'data.podAssigned', message: expect.any(String) }]);
  });

  it('a terminated event may carry no score and no duration', () => {
    const data = {
      ...terminatedData(),
      gradingScore: null,
      durationMinutes: null,
      workerId: null,
    };
    expect(validateEventData('lcm.lablet.instance.terminated', data).ok).toBe(
      true,
    );
  });

  it('scaling.up.requested may leave out workerId, but not send it empty', () => {
    const data: ScalingUpRequestedData = {
      template: 'personal-standard',
      reason: 'shortage',
      timestamp: NOW,
      estimatedReadyTime: NOW,
    };
    expect(validateEventData('lcm.scaling.up.requested', data).ok).toBe(true);
    expect(
      issuesOf('lcm.scaling.up.requested', { ...data, workerId: '' })[0].field,
    ).toBe('data.workerId');
  });

  it('drain.cancelled carries reason admin_action and nothing else', () => {
    const data: WorkerDrainCancelledData = {
      workerId: 'w-1',
      templateName: 'personal-standard',
      previousState: 'draining',
      newState: 'running',
      timestamp: NOW,
      triggeredBy: 'admin-1',
      cancelledBy: 'admin-1',
      reason: 'admin_action',
    };
    expect(validateEventData('lcm.worker.drain.cancelled', data).ok).toBe(true);
    expect(
      issuesOf('lcm.worker.drain.cancelled', {
        ...data,
        reason: 'scale_down_idle',
      })[0].field,
    ).toBe('data.reason');
  });

  it('cordoned and uncordoned carry the flag and reason admin_action', () => {
    const data: WorkerCordonedData = {
      workerId: 'w-1',
      templateName: 'personal-standard',
      previousState: 'running',
      newState: 'running',
      timestamp: NOW,
      triggeredBy: 'admin-1',
      cordoned: true,
      reason: 'admin_action',
    };
    expect(validateEventData('lcm.worker.cordoned', data).ok).toBe(true);
    expect(
      validateEventData('lcm.worker.uncordoned', { ...data, cordoned: false })
        .ok,
    ).toBe(true);
    expect(
      issuesOf('lcm.worker.cordoned', { ...data, cordoned: false })[0].field,
    ).toBe('data.cordoned');
    expect(
      issuesOf('lcm.worker.cordoned', { ...data, reason: 'scale_down' })[0]
        .field,
    ).toBe('data.reason');
  });

  it('license.changed carries a known licence type and status, and a node limit >= 0 or null', () => {
    const data = {
      workerId: 'w-1',
      templateName: 'personal-standard',
      previousState: 'running',
      newState: 'running',
      timestamp: NOW,
      triggeredBy: 'lcm/controller',
      reason: 'license_reported',
      licenseType: 'PERSONAL',
      status: 'EXPIRED',
      nodeLimit: 20,
      previousStatus: 'REGISTERED',
      maxNodes: 20,
    };
    expect(validateEventData('lcm.worker.license.changed', data).ok).toBe(true);
    expect(
      validateEventData('lcm.worker.license.changed', {
        ...data,
        nodeLimit: null,
        previousStatus: null,
      }).ok,
    ).toBe(true);
    expect(
      issuesOf('lcm.worker.license.changed', {
        ...data,
        status: 'GREAT',
        nodeLimit: -1,
      })
        .map((issue) => issue.field)
        .sort(),
    ).toEqual(['data.nodeLimit', 'data.status']);
  });

  it('an unknown worker state is rejected', () => {
    const data = {
      workerId: 'w-1',
      templateName: 't',
      previousState: null,
      newState: 'booting',
      timestamp: NOW,
      triggeredBy: 'system',
      reason: 'scale_up',
    };
    expect(
      issuesOf('lcm.worker.pending', data).map((issue) => issue.field),
    ).toEqual(['data.newState']);
  });

  it('definition events need semantic versions and a sha256 hash', () => {
    const data = {
      definitionId: 'def-2',
      name: 'lab',
      oldVersion: '1.0',
      newVersion: '1.0.1',
      labYamlHash: 'md5:abc',
      timestamp: NOW,
    };
    expect(
      issuesOf('lcm.lablet.definition.version.created', data).map(
        (issue) => issue.field,
      ),
    ).toEqual(['data.oldVersion', 'data.labYamlHash']);
  });

  it('assessment.collection.completed: the session id is optional, the rest required', () => {
    const data = {
      instanceId: 'i-1',
      collectionId: 'col-1',
      artifactsUri: 's3://b/i-1',
    };
    expect(validateEventData('assessment.collection.completed', data).ok).toBe(
      true,
    );
    expect(
      validateEventData('assessment.collection.completed', {
        ...data,
        gradingEngineSessionId: 'ge-1',
      }).ok,
    ).toBe(true);
    expect(
      issuesOf('assessment.collection.completed', { instanceId: 'i-1' }).map(
        (issue) => issue.field,
      ),
    ).toEqual(['data.collectionId', 'data.artifactsUri']);
  });
});
