import {
  buildDefinitionCreatedEvent,
  buildScalingUpRequestedEvent,
  type DomainEvent,
} from '@lcm/domain';
import { parseOutboxEvent } from '@lcm/state-store';
import { CloudEvent, HTTP } from 'cloudevents';
import fc from 'fast-check';
import { InvalidEventError } from './invalid-event-error';
import { parseIncomingCloudEvent } from './parse-incoming-cloud-event';
import { parseOutboxEventStrict } from './parse-outbox-event-strict';
import { toOutboxEvent, toOutboxEvents } from './to-outbox-event';

const NOW = '2026-01-16T10:00:00.000Z';

function definitionCreated(): DomainEvent {
  return buildDefinitionCreatedEvent({
    definitionId: 'def-1',
    name: 'devasc-lab',
    version: '1.0.0',
    now: NOW,
  });
}

function thrown(run: () => unknown): InvalidEventError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidEventError) return error;
    throw error;
  }
  throw new Error('expected an InvalidEventError');
}

describe('toOutboxEvent', () => {
  it('builds exactly the structured CloudEvent the outbox stores', () => {
    const outbox = toOutboxEvent(definitionCreated(), 'lcm/api');
    expect(outbox).toStrictEqual({
      specversion: '1.0',
      id: 'def-1:0:0',
      source: 'lcm/api',
      type: 'lcm.lablet.definition.created',
      subject: 'def-1',
      time: NOW,
      datacontenttype: 'application/json',
      data: {
        definitionId: 'def-1',
        name: 'devasc-lab',
        version: '1.0.0',
        timestamp: NOW,
      },
    });
  });

  it('keeps data an object (not a string) and has no undefined fields', () => {
    const outbox = toOutboxEvent(definitionCreated(), 'lcm/api');
    expect(typeof outbox.data).toBe('object');
    expect(Object.values(outbox).every((value) => value !== undefined)).toBe(
      true,
    );
    expect(JSON.parse(JSON.stringify(outbox))).toStrictEqual(outbox);
  });

  it('does not share the producer’s data object (the outbox holds a JSON copy)', () => {
    const event = definitionCreated();
    const outbox = toOutboxEvent(event, 'lcm/api');
    expect(outbox.data).not.toBe(event.data);
    expect(outbox.data).toEqual(event.data);
  });

  it('keeps the producer’s time spelling (RFC 3339 with an offset stays as written)', () => {
    const event = { ...definitionCreated(), time: '2026-01-16T11:00:00+01:00' };
    expect(toOutboxEvent(event, 'lcm/api').time).toBe(
      '2026-01-16T11:00:00+01:00',
    );
  });

  it('is what the state store’s parser, the strict parser and the SDK read back', () => {
    const outbox = toOutboxEvent(definitionCreated(), 'lcm/api');
    const raw = JSON.stringify(outbox);
    expect(parseOutboxEvent(raw)).toStrictEqual(outbox);
    expect(parseOutboxEventStrict(raw)).toStrictEqual(outbox);
    const sdk = new CloudEvent(outbox);
    expect(sdk.validate()).toBe(true);
    expect(sdk.data).toEqual(outbox.data);
  });

  it('round-trips through the HTTP binding in structured and binary mode', () => {
    const outbox = toOutboxEvent(definitionCreated(), 'lcm/api');
    const event = new CloudEvent(outbox);
    for (const message of [HTTP.structured(event), HTTP.binary(event)]) {
      expect(
        parseIncomingCloudEvent(message.headers, message.body),
      ).toStrictEqual(outbox);
    }
  });

  it('rejects data that does not match the catalog, naming the fields', () => {
    const event = {
      ...definitionCreated(),
      data: { definitionId: 'def-1', name: '', version: 'one' },
    };
    const error = thrown(() => toOutboxEvent(event, 'lcm/api'));
    expect(error.code).toBe('INVALID_EVENT');
    expect(error.issues.map((issue) => issue.field)).toEqual([
      'data.name',
      'data.version',
      'data.timestamp',
    ]);
    expect(error.message).toContain('def-1:0:0');
  });

  it('rejects a type outside the catalog', () => {
    const event = {
      ...definitionCreated(),
      type: 'lcm.lablet.definition.renamed',
    };
    expect(thrown(() => toOutboxEvent(event, 'lcm/api')).issues).toEqual([
      { field: 'type', message: expect.any(String) },
    ]);
  });

  it.each([
    ['an empty id (the SDK would invent a uuid)', { id: '' }, 'id'],
    ['an empty subject', { subject: '' }, 'subject'],
    [
      'a time that is not RFC 3339 (the SDK would use now)',
      { time: '16/01/2026' },
      'time',
    ],
    ['a time without seconds', { time: '2026-01-16T10:00Z' }, 'time'],
    ['no time at all', { time: undefined }, 'time'],
    ['no data', { data: undefined }, 'data'],
  ])('rejects %s', (_label, change, field) => {
    const event = { ...definitionCreated(), ...change } as DomainEvent;
    expect(
      thrown(() => toOutboxEvent(event, 'lcm/api')).issues.map(
        (issue) => issue.field,
      ),
    ).toContain(field);
  });

  it.each([
    ['empty', '', 'source'],
    ['not a URI reference', 'lcm api with spaces', 'source'],
  ])('rejects a source that is %s', (_label, source, field) => {
    expect(
      thrown(() => toOutboxEvent(definitionCreated(), source)).issues.map(
        (issue) => issue.field,
      ),
    ).toContain(field);
  });

  it('toOutboxEvents keeps the order of the change’s events', () => {
    const events = [
      definitionCreated(),
      buildScalingUpRequestedEvent({
        template: 'personal-standard',
        reason: 'shortage',
        now: NOW,
        requestKey: 'i-9',
      }),
    ];
    expect(
      toOutboxEvents(events, 'lcm/scheduler').map((event) => event.id),
    ).toEqual(['def-1:0:0', 'personal-standard:i-9:0']);
    expect(toOutboxEvents([], 'lcm/scheduler')).toEqual([]);
  });

  it('any id and subject survive the round trip through JSON and the strict parser', () => {
    const nonEmpty = fc.string({ minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(nonEmpty, nonEmpty, (id, subject) => {
        const outbox = toOutboxEvent(
          { ...definitionCreated(), id, subject },
          'lcm/api',
        );
        expect(parseOutboxEventStrict(JSON.stringify(outbox))).toStrictEqual(
          outbox,
        );
      }),
      { numRuns: 100 },
    );
  });
});
