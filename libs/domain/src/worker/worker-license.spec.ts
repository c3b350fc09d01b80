import {
  aPendingInstance,
  aWorkerIn,
  at,
  ctx,
  workerInput,
} from '../../test/domain-fixtures';
import { Conflict, ValidationError } from '../errors';
import { scheduleInstance } from '../instance/schedule-instance';
import { capacityShortfall } from '../values/worker-capacity';
import { parseWorkerRecord } from './parse-worker-record';
import {
  LICENSE_REPORT_MAX_AGE_MINUTES,
  recordReportedLicense,
} from './record-worker-license';
import {
  licensedNodeCapacity,
  licenseRefusal,
  validateLicenseReport,
  type LicenseReport,
} from './worker-license';
import { acceptsNewInstances } from './worker-state';

const REGISTERED_PERSONAL: LicenseReport = {
  licenseType: 'PERSONAL',
  status: 'REGISTERED',
  nodeLimit: 20,
  nodesInUse: 0,
  detail: 'registration COMPLETED, authorization IN_COMPLIANCE',
};

describe('the node capacity a worker offers under its reported licence', () => {
  it('is the template node limit capped by the reported one', () => {
    expect(licensedNodeCapacity(500, { nodeLimit: 300 })).toBe(300);
    expect(licensedNodeCapacity(20, { nodeLimit: 300 })).toBe(20);
    expect(licensedNodeCapacity(20, { nodeLimit: 0 })).toBe(0);
  });

  it('is the template node limit when the engine reports no limit, or nothing yet', () => {
    expect(licensedNodeCapacity(500, { nodeLimit: null })).toBe(500);
    expect(licensedNodeCapacity(500, null)).toBe(500);
  });
});

describe('recording what a worker engine reports about its licence', () => {
  it('records the report with when it was read, and caps the node capacity at its limit', () => {
    const { worker, capacity } = aWorkerIn('running', {
      declaredCapacity: {
        cpuCores: 48,
        memoryGb: 192,
        storageGb: 500,
        maxNodes: 500,
      },
    });
    const change = recordReportedLicense(
      worker,
      {
        report: { ...REGISTERED_PERSONAL, licenseType: 'ENTERPRISE' },
        templateMaxNodes: 500,
        capacity,
      },
      ctx(at(5), 'lcm/controller'),
    );
    expect(change.worker.reportedLicense).toEqual({
      ...REGISTERED_PERSONAL,
      licenseType: 'ENTERPRISE',
      readAt: at(5),
    });
    expect(change.worker.generation).toBe(worker.generation + 1);
    expect(change.worker.state).toBe('running');
    expect(change.events).toEqual([]);
    expect(change.capacity?.declared).toEqual({
      ...capacity.declared,
      maxNodes: 20,
    });
    expect(change.capacity?.allocated).toEqual(capacity.allocated);
    // A 21-node lab no longer fits the capped record; a 20-node one does.
    expect(
      capacityShortfall(change.capacity ?? capacity, {
        cpuCores: 1,
        memoryGb: 1,
        storageGb: 1,
        maxNodes: 21,
      }),
    ).toEqual(['maxNodes']);
  });

  it('gives the template limit back when the licence grows again', () => {
    const { worker, capacity } = aWorkerIn('running');
    const capped = recordReportedLicense(
      worker,
      {
        report: { ...REGISTERED_PERSONAL, nodeLimit: 5 },
        templateMaxNodes: 20,
        capacity,
      },
      ctx(at(5)),
    );
    expect(capped.capacity?.declared.maxNodes).toBe(5);
    const grown = recordReportedLicense(
      capped.worker,
      {
        report: REGISTERED_PERSONAL,
        templateMaxNodes: 20,
        capacity: capped.capacity ?? capacity,
      },
      ctx(at(6)),
    );
    expect(grown.capacity?.declared.maxNodes).toBe(20);
  });

  it('changes nothing when the report says what the record says (no write)', () => {
    const { worker, capacity } = aWorkerIn('running');
    const first = recordReportedLicense(
      worker,
      { report: REGISTERED_PERSONAL, templateMaxNodes: 20, capacity },
      ctx(at(5)),
    );
    expect(first.capacity).toBeUndefined(); // 20 already
    const again = recordReportedLicense(
      first.worker,
      { report: { ...REGISTERED_PERSONAL }, templateMaxNodes: 20, capacity },
      ctx(at(10)),
    );
    expect(again.worker).toBe(first.worker);
    expect(again.capacity).toBeUndefined();
  });

  it('rewrites an unchanged report once it is older than the maximum age, so readAt stays true', () => {
    const { worker, capacity } = aWorkerIn('running');
    const first = recordReportedLicense(
      worker,
      { report: REGISTERED_PERSONAL, templateMaxNodes: 20, capacity },
      ctx(at(5)),
    );
    const later = at(5 + LICENSE_REPORT_MAX_AGE_MINUTES);
    const refreshed = recordReportedLicense(
      first.worker,
      { report: REGISTERED_PERSONAL, templateMaxNodes: 20, capacity },
      ctx(later),
    );
    expect(refreshed.worker.reportedLicense?.readAt).toBe(later);
  });

  it('writes a changed status at once, but not a change of nodes in use alone', () => {
    const { worker, capacity } = aWorkerIn('draining');
    const first = recordReportedLicense(
      worker,
      { report: REGISTERED_PERSONAL, templateMaxNodes: 20, capacity },
      ctx(at(5)),
    );
    const expired = recordReportedLicense(
      first.worker,
      {
        report: { ...REGISTERED_PERSONAL, status: 'EXPIRED' },
        templateMaxNodes: 20,
        capacity,
      },
      ctx(at(6)),
    );
    expect(expired.worker.reportedLicense?.status).toBe('EXPIRED');
    expect(expired.worker.generation).toBe(first.worker.generation + 1);
    const busier = recordReportedLicense(
      first.worker,
      {
        report: { ...REGISTERED_PERSONAL, nodesInUse: 12 },
        templateMaxNodes: 20,
        capacity,
      },
      ctx(at(6)),
    );
    expect(busier.worker).toBe(first.worker);
  });

  it('refuses a report for a worker whose engine is not up, and a malformed report', () => {
    const stopped = aWorkerIn('stopped');
    expect(() =>
      recordReportedLicense(
        stopped.worker,
        {
          report: REGISTERED_PERSONAL,
          templateMaxNodes: 20,
          capacity: stopped.capacity,
        },
        ctx(at(5)),
      ),
    ).toThrow(/no running lab engine/);
    const { worker, capacity } = aWorkerIn('running');
    for (const [bad, field] of [
      [{ status: 'GREAT' }, 'reportedLicense.status'],
      [{ licenseType: 'FREE' }, 'reportedLicense.licenseType'],
      [{ nodeLimit: -1 }, 'reportedLicense.nodeLimit'],
      [{ nodesInUse: 1.5 }, 'reportedLicense.nodesInUse'],
    ] as const) {
      let error: unknown;
      try {
        recordReportedLicense(
          worker,
          {
            report: { ...REGISTERED_PERSONAL, ...bad } as LicenseReport,
            templateMaxNodes: 20,
            capacity,
          },
          ctx(at(5)),
        );
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe(field);
    }
  });

  it('keeps a long detail short', () => {
    expect(
      validateLicenseReport({ ...REGISTERED_PERSONAL, detail: 'x'.repeat(500) })
        .detail,
    ).toHaveLength(200);
  });
});

describe('the lcm.worker.license.changed event', () => {
  const record = (
    worker: ReturnType<typeof aWorkerIn>['worker'],
    capacity: ReturnType<typeof aWorkerIn>['capacity'],
    report: Partial<LicenseReport>,
    minutes: number,
  ) =>
    recordReportedLicense(
      worker,
      {
        report: { ...REGISTERED_PERSONAL, ...report },
        templateMaxNodes: 20,
        capacity,
      },
      ctx(at(minutes), 'lcm/controller'),
    );

  it('is not emitted for a healthy first report, an hourly rewrite or nodes in use alone', () => {
    const { worker, capacity } = aWorkerIn('running');
    const first = record(worker, capacity, {}, 5);
    expect(first.events).toEqual([]);
    expect(
      record(first.worker, capacity, {}, 5 + LICENSE_REPORT_MAX_AGE_MINUTES)
        .events,
    ).toEqual([]);
  });

  it('is emitted when the status or node limit changes, and for a first report that runs no labs', () => {
    const { worker, capacity } = aWorkerIn('running');
    const first = record(worker, capacity, {}, 5);
    const expired = record(first.worker, capacity, { status: 'EXPIRED' }, 6);
    expect(expired.events).toHaveLength(1);
    expect(expired.events[0]).toMatchObject({
      type: 'lcm.worker.license.changed',
      subject: worker.id,
      id: `${worker.id}:${expired.worker.generation}:0`,
      data: {
        workerId: worker.id,
        previousState: 'running',
        newState: 'running',
        licenseType: 'PERSONAL',
        status: 'EXPIRED',
        previousStatus: 'REGISTERED',
        nodeLimit: 20,
        maxNodes: 20,
        reason: 'license_reported',
      },
    });
    const shrunk = record(first.worker, capacity, { nodeLimit: 4 }, 6);
    expect(shrunk.events[0]?.data).toMatchObject({ nodeLimit: 4, maxNodes: 4 });
    expect(
      record(worker, capacity, { status: 'UNREGISTERED' }, 5).events,
    ).toHaveLength(1);
  });
});

describe('a worker whose engine reports a licence that runs no labs', () => {
  function withStatus(status: LicenseReport['status']) {
    const { worker, capacity, ports } = aWorkerIn('running');
    const change = recordReportedLicense(
      worker,
      {
        report: { ...REGISTERED_PERSONAL, status },
        templateMaxNodes: 20,
        capacity,
      },
      ctx(at(5)),
    );
    return { worker: change.worker, capacity, ports };
  }

  it.each(['UNREGISTERED', 'EXPIRED', 'INVALID'] as const)(
    'takes no new instances while %s, and says why',
    (status) => {
      const { worker, capacity, ports } = withStatus(status);
      expect(acceptsNewInstances(worker)).toBe(false);
      expect(licenseRefusal(worker)).toBe(`licence ${status.toLowerCase()}`);
      expect(() =>
        scheduleInstance(
          aPendingInstance(),
          { worker, capacity, ports },
          ctx(at(6)),
        ),
      ).toThrow(Conflict);
      expect(() =>
        scheduleInstance(
          aPendingInstance(),
          { worker, capacity, ports },
          ctx(at(6)),
        ),
      ).toThrow(`licence ${status.toLowerCase()}`);
    },
  );

  it.each(['REGISTERED', 'EVALUATION'] as const)(
    'takes new instances while %s',
    (status) => {
      const { worker } = withStatus(status);
      expect(acceptsNewInstances(worker)).toBe(true);
      expect(licenseRefusal(worker)).toBeNull();
    },
  );

  it('is not held back before anything was reported', () => {
    const { worker } = aWorkerIn('running');
    expect(worker.reportedLicense).toBeNull();
    expect(acceptsNewInstances(worker)).toBe(true);
  });
});

describe('the licence type placement matches affinity with', () => {
  it("stays the template's: the engine's type shows, its node limit is what binds", () => {
    const { worker, capacity } = aWorkerIn('running', workerInput());
    const reported = recordReportedLicense(
      worker,
      {
        report: { ...REGISTERED_PERSONAL, licenseType: 'ENTERPRISE' },
        templateMaxNodes: 20,
        capacity,
      },
      ctx(at(5)),
    ).worker;
    expect(reported.licenseType).toBe('PERSONAL');
    expect(reported.reportedLicense?.licenseType).toBe('ENTERPRISE');
  });
});

describe('reading a stored worker record with a reported licence', () => {
  it('round-trips it, and reads a record written before licences as unreported', () => {
    const { worker, capacity } = aWorkerIn('running');
    const recorded = recordReportedLicense(
      worker,
      { report: REGISTERED_PERSONAL, templateMaxNodes: 20, capacity },
      ctx(at(5)),
    ).worker;
    expect(parseWorkerRecord(JSON.parse(JSON.stringify(recorded)))).toEqual(
      recorded,
    );
    const { reportedLicense: _dropped, ...older } = worker;
    expect(parseWorkerRecord(older).reportedLicense).toBeNull();
    expect(() =>
      parseWorkerRecord({
        ...recorded,
        reportedLicense: { ...recorded.reportedLicense, readAt: 'yesterday' },
      }),
    ).toThrow(/reportedLicense.readAt/);
  });
});
