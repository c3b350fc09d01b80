import { ValidationError } from '../errors';
import {
  parseAssessmentCollectionCompleted,
  parseAssessmentGradingCompleted,
} from './assessment-event-data';
import {
  buildDefinitionCreatedEvent,
  buildDefinitionDeprecatedEvent,
  buildDefinitionVersionCreatedEvent,
} from './definition-events';
import { buildDomainEvents, domainEventId } from './domain-event';
import { EVENT_TYPES } from './event-types';
import { buildScalingUpRequestedEvent } from './scaling-events';

const NOW = '2026-01-16T10:00:00.000Z';

describe('event ids', () => {
  it('are subject:generation:index', () => {
    expect(domainEventId('i-1', 4, 1)).toBe('i-1:4:1');
    expect(
      buildDomainEvents('w-1', 2, NOW, [
        { type: 'a', data: 1 },
        { type: 'b', data: 2 },
      ]).map((e) => e.id),
    ).toEqual(['w-1:2:0', 'w-1:2:1']);
  });
});

describe('buildScalingUpRequestedEvent', () => {
  it('builds a scale-up request for a template, ready after the default 20-minute boot', () => {
    const event = buildScalingUpRequestedEvent({
      template: 'personal-standard',
      reason: 'Instance i-1 approaching timeslot with no capacity',
      now: NOW,
      requestKey: 'i-1',
    });
    expect(event).toEqual({
      id: 'personal-standard:i-1:0',
      type: EVENT_TYPES.scalingUpRequested,
      subject: 'personal-standard',
      time: NOW,
      data: {
        template: 'personal-standard',
        reason: 'Instance i-1 approaching timeslot with no capacity',
        timestamp: NOW,
        estimatedReadyTime: '2026-01-16T10:20:00.000Z',
      },
    });
  });

  it('uses the given ready time or startup time, and the same id for the same request', () => {
    const a = buildScalingUpRequestedEvent({
      template: 't',
      reason: 'r',
      now: NOW,
      startupTimeMinutes: 5,
    });
    expect(a.data.estimatedReadyTime).toBe('2026-01-16T10:05:00.000Z');
    expect(
      buildScalingUpRequestedEvent({
        template: 't',
        reason: 'r',
        now: NOW,
        startupTimeMinutes: 5,
      }).id,
    ).toBe(a.id);
    expect(
      buildScalingUpRequestedEvent({
        template: 't',
        reason: 'r',
        now: NOW,
        estimatedReadyTime: NOW,
      }).data.estimatedReadyTime,
    ).toBe(NOW);
  });

  it('needs a template and a reason', () => {
    expect(() =>
      buildScalingUpRequestedEvent({ template: '', reason: 'r', now: NOW }),
    ).toThrow(ValidationError);
    expect(() =>
      buildScalingUpRequestedEvent({ template: 't', reason: '', now: NOW }),
    ).toThrow(ValidationError);
  });
});

describe('definition events', () => {
  it('identify creation and deprecation of a definition version deterministically', () => {
    const created = buildDefinitionCreatedEvent({
      definitionId: 'd-1',
      name: 'lab',
      version: '1.0.0',
      now: NOW,
    });
    expect(created).toMatchObject({
      id: 'd-1:0:0',
      type: EVENT_TYPES.definitionCreated,
      data: { name: 'lab', version: '1.0.0' },
    });
    const version = buildDefinitionVersionCreatedEvent({
      definitionId: 'd-2',
      name: 'lab',
      oldVersion: '1.0.0',
      newVersion: '1.0.1',
      labYamlHash: 'sha256:x',
      now: NOW,
    });
    expect(version).toMatchObject({
      id: 'd-2:0:0',
      type: EVENT_TYPES.definitionVersionCreated,
      data: { oldVersion: '1.0.0', newVersion: '1.0.1' },
    });
    expect(
      buildDefinitionDeprecatedEvent({
        definitionId: 'd-1',
        name: 'lab',
        version: '1.0.0',
        now: NOW,
      }).id,
    ).toBe('d-1:1:0');
  });
});

describe('consumed assessment events', () => {
  it('accept a well-formed collection result', () => {
    expect(
      parseAssessmentCollectionCompleted({
        instanceId: 'i-1',
        collectionId: 'c-1',
        artifactsUri: 's3://x',
      }),
    ).toEqual({
      instanceId: 'i-1',
      collectionId: 'c-1',
      artifactsUri: 's3://x',
    });
  });

  it('accept a well-formed grading result', () => {
    const data = {
      instanceId: 'i-1',
      passed: true,
      score: {
        total: 8,
        max: 10,
        breakdown: [{ criterion: 'c', points: 8, max: 10 }],
      },
    };
    expect(parseAssessmentGradingCompleted(data)).toEqual(data);
  });

  it('reject malformed data, naming the field', () => {
    expect(() =>
      parseAssessmentCollectionCompleted({ instanceId: 'i-1' }),
    ).toThrow('data.collectionId');
    expect(() =>
      parseAssessmentGradingCompleted({
        instanceId: 'i-1',
        passed: 'yes',
        score: { total: 1, max: 2 },
      }),
    ).toThrow('data.passed');
    expect(() =>
      parseAssessmentGradingCompleted({
        instanceId: 'i-1',
        passed: true,
        score: { total: '1', max: 2 },
      }),
    ).toThrow('data.score.total');
    expect(() => parseAssessmentGradingCompleted(null)).toThrow(
      ValidationError,
    );
  });
});
