import { Worker } from '@lcm/domain';
import { aNewWorker, aPendingInstance, aRunningWorker, aTemplate } from '../../test/scheduler-fixtures';
import { ScaleUpLedger } from './scale-up-ledger';

const limits = { leadTimeMinutes: 35, maxWorkersPerTemplate: 2, maxWorkers: 3 };
const template = aTemplate();

function needs(...ids: string[]) {
  const t0 = Date.parse('2026-11-23T10:00:00.000Z');
  return ids.map((id, i) => ({ instance: aPendingInstance(id, { now: new Date(t0 + i * 1000) }).instance, template }));
}

function running(id: string, template = 'personal-standard'): Worker {
  return aRunningWorker(id, { template }).running.worker;
}

describe('ScaleUpLedger', () => {
  const now = new Date('2026-11-23T10:01:00.000Z');

  it('asks once for the template, naming the first waiting instance in the deterministic id', () => {
    const verdict = new ScaleUpLedger(limits).decide(needs('i2', 'i1'), [], now).get('personal-standard');
    expect(verdict?.status).toBe('scale-up of personal-standard requested');
    expect(verdict?.request?.event).toMatchObject({ id: 'personal-standard:i2.0.0:0', type: 'lcm.scaling.up.requested', subject: 'personal-standard' });
    expect(verdict?.request?.event.data).toMatchObject({ template: 'personal-standard', reason: '2 instances approaching timeslot with no capacity (i2, i1)' });
  });

  it('asks nothing while a worker of the template is starting', () => {
    const starting = aNewWorker('w-new').worker;
    expect(new ScaleUpLedger(limits).decide(needs('i1'), [starting], now).get('personal-standard')).toEqual({ template: 'personal-standard', status: 'scale-up of personal-standard in flight (worker w-new starting)' });
  });

  it('asks nothing at the per-template or the total limit (terminated and failed workers do not count)', () => {
    const ledger = new ScaleUpLedger(limits);
    const gone = { ...running('w-gone'), state: 'terminated' as const };
    expect(ledger.decide(needs('i1'), [running('w1'), running('w2'), gone], now).get('personal-standard')?.status).toBe('template personal-standard is at its limit of 2 workers');
    expect(ledger.decide(needs('i1'), [running('w1'), running('e1', 'other'), running('e2', 'other')], now).get('personal-standard')?.status).toBe('at the limit of 3 workers');
    expect(ledger.decide(needs('i1'), [running('w1'), gone], now).get('personal-standard')?.request).toBeDefined();
  });

  it('does not ask again while its request is unanswered, until 2 x the lead time has passed', () => {
    const ledger = new ScaleUpLedger(limits);
    ledger.recordRequested('personal-standard', [], now);
    expect(ledger.decide(needs('i1'), [], new Date(now.getTime() + 69 * 60_000)).get('personal-standard')?.request).toBeUndefined();
    const later = ledger.decide(needs('i1'), [], new Date(now.getTime() + 71 * 60_000)).get('personal-standard');
    // A new 2 x lead-time window since the instance arrived: a new id.
    expect(later?.request?.event.id).toBe('personal-standard:i1.0.1:0');
  });

  it('asks again once a new worker of the template answered and still nothing fits (a new id)', () => {
    const ledger = new ScaleUpLedger(limits);
    ledger.recordRequested('personal-standard', [], now);
    const answer = { ...running('w-new'), createdAt: now.toISOString() };
    expect(ledger.decide(needs('i1'), [answer], now).get('personal-standard')?.request?.event.id).toBe('personal-standard:i1.1.0:0');
  });

  it('leaves instances that start after the lead time out of the request', () => {
    const late = { instance: aPendingInstance('i-late', { startInMinutes: 24 * 60 }).instance, template };
    const ledger = new ScaleUpLedger(limits);
    expect(ledger.decide([late], [], new Date()).size).toBe(0);
    expect(ledger.isDue(late.instance, new Date())).toBe(false);
    expect(ledger.deferredStatus(late.instance, 'personal-standard')).toMatch(/^scale-up of personal-standard deferred until .* \(lead time 35 min\)$/);
  });
});
