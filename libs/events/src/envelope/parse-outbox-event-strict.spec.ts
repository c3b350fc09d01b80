import { buildDefinitionCreatedEvent } from '@lcm/domain';
import { InvalidEventError } from './invalid-event-error';
import { parseOutboxEventStrict } from './parse-outbox-event-strict';
import { toOutboxEvent } from './to-outbox-event';

const NOW = '2026-01-16T10:00:00.000Z';

function stored(): Record<string, unknown> {
  return {
    ...toOutboxEvent(
      buildDefinitionCreatedEvent({
        definitionId: 'def-1',
        name: 'lab',
        version: '1.0.0',
        now: NOW,
      }),
      'lcm/api',
    ),
  };
}

function fieldsOf(raw: string): string[] {
  try {
    parseOutboxEventStrict(raw);
  } catch (error) {
    if (error instanceof InvalidEventError)
      return error.issues.map((issue) => issue.field);
    throw error;
  }
  throw new Error('expected the stored event to be rejected');
}

describe('parseOutboxEventStrict', () => {
  it('returns a valid stored event unchanged', () => {
    const event = stored();
    expect(parseOutboxEventStrict(JSON.stringify(event))).toStrictEqual(event);
  });

  it.each([
    ['text that is not JSON', '{"id":', ['event']],
    ['a JSON list', '[]', ['event']],
    ['a JSON string', '"event"', ['event']],
    [
      'specversion 0.3',
      JSON.stringify({ ...stored(), specversion: '0.3' }),
      ['specversion'],
    ],
    ['no time', JSON.stringify({ ...stored(), time: undefined }), ['time']],
    [
      'no datacontenttype',
      JSON.stringify({ ...stored(), datacontenttype: undefined }),
      ['datacontenttype'],
    ],
    ['no data', JSON.stringify({ ...stored(), data: undefined }), ['data']],
    [
      'data that breaks the catalog',
      JSON.stringify({
        ...stored(),
        data: {
          definitionId: 'def-1',
          name: 'lab',
          version: 'v1',
          timestamp: NOW,
        },
      }),
      ['data.version'],
    ],
    [
      'a type outside the catalog',
      JSON.stringify({ ...stored(), type: 'lcm.unknown' }),
      ['type'],
    ],
    [
      'a source that is not a URI reference',
      JSON.stringify({ ...stored(), source: 'a b' }),
      ['source'],
    ],
  ])('rejects %s', (_label, raw, fields) => {
    expect(fieldsOf(raw)).toEqual(fields);
  });
});
