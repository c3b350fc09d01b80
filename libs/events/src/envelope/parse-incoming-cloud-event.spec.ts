import { InvalidEventError } from './invalid-event-error';
import {
  parseIncomingCloudEvent,
  type IncomingHeaders,
} from './parse-incoming-cloud-event';

const STRUCTURED = { 'content-type': 'application/cloudevents+json' };

const DATA = {
  instanceId: 'i-1',
  collectionId: 'col-1',
  artifactsUri: 's3://bucket/i-1',
};

function structuredEvent(): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: 'ap-123',
    source: 'https://assessment.example/platform',
    type: 'assessment.collection.completed',
    subject: 'i-1',
    time: '2026-01-16T10:30:00Z',
    datacontenttype: 'application/json',
    data: DATA,
  };
}

function binaryHeaders(): Record<string, string> {
  return {
    'ce-specversion': '1.0',
    'ce-id': 'ge-77',
    'ce-source': '/grading-engine',
    'ce-type': 'assessment.grading.completed',
    'ce-subject': 'i-1',
    'ce-time': '2026-01-16T10:40:00.123Z',
    'content-type': 'application/json',
  };
}

const GRADING = {
  instanceId: 'i-1',
  score: { total: 8, max: 10, breakdown: [] },
  passed: true,
};

function issuesOf(
  headers: IncomingHeaders,
  body: unknown,
): { field: string; message: string }[] {
  try {
    parseIncomingCloudEvent(headers, body);
  } catch (error) {
    if (error instanceof InvalidEventError) return [...error.issues];
    throw error;
  }
  throw new Error('expected the event to be rejected');
}

describe('parseIncomingCloudEvent: structured mode', () => {
  const expected = {
    ...structuredEvent(),
    datacontenttype: 'application/json',
  };

  it.each([
    ['a JSON string', JSON.stringify(structuredEvent())],
    ['a Buffer', Buffer.from(JSON.stringify(structuredEvent()))],
    ['an object a framework already parsed', structuredEvent()],
  ])('reads the event from %s', (_label, body) => {
    expect(parseIncomingCloudEvent(STRUCTURED, body)).toStrictEqual(expected);
  });

  it('accepts content-type parameters and any header-name case', () => {
    const headers = {
      'Content-Type': 'application/cloudevents+json; charset=UTF-8',
    };
    expect(
      parseIncomingCloudEvent(headers, JSON.stringify(structuredEvent())),
    ).toStrictEqual(expected);
  });

  it('implies application/json when datacontenttype is left out, and keeps extensions', () => {
    const { datacontenttype: _omitted, ...event } = structuredEvent();
    const parsed = parseIncomingCloudEvent(STRUCTURED, {
      ...event,
      traceparent: '00-abc-01',
      partition: 3,
    });
    expect(parsed).toStrictEqual({
      ...expected,
      traceparent: '00-abc-01',
      partition: 3,
    });
  });

  it('keeps falsy data and a missing time as they are (nothing invented)', () => {
    const { time: _time, data: _data, ...event } = structuredEvent();
    expect(
      parseIncomingCloudEvent(STRUCTURED, { ...event, data: false }).data,
    ).toBe(false);
    expect(
      parseIncomingCloudEvent(STRUCTURED, { ...event, data: 0 }).data,
    ).toBe(0);
    const noData = parseIncomingCloudEvent(STRUCTURED, event);
    expect(noData.data).toBeNull();
    expect('time' in noData).toBe(false);
  });

  it('leaves the data alone: an unknown type parses (the caller acknowledges and ignores it)', () => {
    const event = {
      ...structuredEvent(),
      type: 'com.example.unrelated',
      data: { anything: [1, 2] },
    };
    expect(parseIncomingCloudEvent(STRUCTURED, event).type).toBe(
      'com.example.unrelated',
    );
  });
});

describe('parseIncomingCloudEvent: binary mode', () => {
  const expected = {
    specversion: '1.0',
    id: 'ge-77',
    source: '/grading-engine',
    type: 'assessment.grading.completed',
    subject: 'i-1',
    time: '2026-01-16T10:40:00.123Z',
    datacontenttype: 'application/json',
    data: GRADING,
  };

  it.each([
    ['a JSON string', JSON.stringify(GRADING)],
    ['a Buffer', Buffer.from(JSON.stringify(GRADING))],
    ['an object a framework already parsed', GRADING],
  ])('reads the data from %s', (_label, body) => {
    expect(parseIncomingCloudEvent(binaryHeaders(), body)).toStrictEqual(
      expected,
    );
  });

  it('accepts upper-case header names, a charset, and ce-* extensions', () => {
    const headers: IncomingHeaders = {
      'CE-SpecVersion': '1.0',
      'CE-ID': 'ge-78',
      'Ce-Source': '/grading-engine',
      'ce-type': 'assessment.grading.completed',
      'Content-Type': 'application/json; charset=utf-8',
      'ce-traceparent': '00-abc-01',
      'x-request-id': ['r-1', 'r-2'],
      accept: undefined,
    };
    expect(
      parseIncomingCloudEvent(headers, JSON.stringify(GRADING)),
    ).toStrictEqual({
      specversion: '1.0',
      id: 'ge-78',
      source: '/grading-engine',
      type: 'assessment.grading.completed',
      traceparent: '00-abc-01',
      datacontenttype: 'application/json',
      data: GRADING,
    });
  });

  it('keeps scalar JSON data as JSON (a bare number stays a number)', () => {
    expect(parseIncomingCloudEvent(binaryHeaders(), '42').data).toBe(42);
    expect(parseIncomingCloudEvent(binaryHeaders(), '"text"').data).toBe(
      'text',
    );
  });

  it('an event with no body has null data', () => {
    const { 'content-type': _type, ...headers } = binaryHeaders();
    expect(parseIncomingCloudEvent(headers, undefined).data).toBeNull();
    expect(parseIncomingCloudEvent(binaryHeaders(), '').data).toBeNull();
  });
});

describe('parseIncomingCloudEvent: malformed events are rejected with the field at fault', () => {
  const without = (key: string): Record<string, unknown> => {
    const event = structuredEvent();
    delete event[key];
    return event;
  };
  const withValue = (key: string, value: unknown): Record<string, unknown> => ({
    ...structuredEvent(),
    [key]: value,
  });
  const binaryWithout = (key: string): Record<string, string> => {
    const headers = binaryHeaders();
    delete headers[key];
    return headers;
  };

  // [description, headers, body, field at fault]
  const cases: [string, IncomingHeaders, unknown, string][] = [
    [
      'no headers that make it a CloudEvent',
      { 'content-type': 'application/json' },
      JSON.stringify(GRADING),
      'content-type',
    ],
    [
      'no headers at all',
      {},
      JSON.stringify(structuredEvent()),
      'content-type',
    ],
    [
      'a batch content type',
      { 'content-type': 'application/cloudevents-batch+json' },
      JSON.stringify([structuredEvent()]),
      'content-type',
    ],
    [
      'a batch (array) body in structured mode',
      STRUCTURED,
      JSON.stringify([structuredEvent()]),
      'body',
    ],
    [
      'an unsupported event format',
      { 'content-type': 'application/cloudevents+xml' },
      '<event/>',
      'content-type',
    ],
    [
      'structured body that is not JSON',
      STRUCTURED,
      '{"specversion": "1.0", "id": ',
      'body',
    ],
    ['structured body that is a bare word', STRUCTURED, 'garbage', 'body'],
    ['structured body that is a JSON string', STRUCTURED, '"an event"', 'body'],
    ['an empty structured body', STRUCTURED, '', 'body'],
    ['no structured body', STRUCTURED, undefined, 'body'],
    [
      'a missing specversion (the SDK would assume 1.0)',
      STRUCTURED,
      without('specversion'),
      'specversion',
    ],
    [
      'specversion 0.3',
      STRUCTURED,
      withValue('specversion', '0.3'),
      'specversion',
    ],
    [
      'a numeric specversion',
      STRUCTURED,
      withValue('specversion', 1.0),
      'specversion',
    ],
    [
      'a missing id (the SDK would invent one)',
      STRUCTURED,
      without('id'),
      'id',
    ],
    ['an empty id', STRUCTURED, withValue('id', ''), 'id'],
    ['a numeric id', STRUCTURED, withValue('id', 42), 'id'],
    ['a missing source', STRUCTURED, without('source'), 'source'],
    [
      'a source that is not a URI reference',
      STRUCTURED,
      withValue('source', 'not a uri ref'),
      'source',
    ],
    ['a missing type', STRUCTURED, without('type'), 'type'],
    ['an empty type', STRUCTURED, withValue('type', ''), 'type'],
    ['an empty subject', STRUCTURED, withValue('subject', ''), 'subject'],
    [
      'an unparsable time (the SDK would use now)',
      STRUCTURED,
      withValue('time', 'yesterday'),
      'time',
    ],
    [
      'a time on a day that does not exist',
      STRUCTURED,
      withValue('time', '2026-02-30T10:00:00Z'),
      'time',
    ],
    [
      'a time without a zone',
      STRUCTURED,
      withValue('time', '2026-01-16T10:00:00'),
      'time',
    ],
    [
      'a non-JSON datacontenttype',
      STRUCTURED,
      withValue('datacontenttype', 'text/xml'),
      'datacontenttype',
    ],
    [
      'base64 data',
      STRUCTURED,
      { ...without('data'), data_base64: 'eyJhIjoxfQ==' },
      'data_base64',
    ],
    [
      'an extension name with capitals',
      STRUCTURED,
      withValue('traceParent', 'x'),
      'traceParent',
    ],
    [
      'an object as an extension value',
      STRUCTURED,
      withValue('tenant', { id: 1 }),
      'tenant',
    ],
    [
      'binary mode without ce-id',
      binaryWithout('ce-id'),
      JSON.stringify(GRADING),
      'ce-id',
    ],
    [
      'binary mode without ce-source',
      binaryWithout('ce-source'),
      JSON.stringify(GRADING),
      'ce-source',
    ],
    [
      'binary mode without ce-type',
      binaryWithout('ce-type'),
      JSON.stringify(GRADING),
      'ce-type',
    ],
    [
      'binary mode without ce-specversion',
      binaryWithout('ce-specversion'),
      JSON.stringify(GRADING),
      'ce-specversion',
    ],
    [
      'binary mode with specversion 0.3',
      { ...binaryHeaders(), 'ce-specversion': '0.3' },
      JSON.stringify(GRADING),
      'ce-specversion',
    ],
    [
      'binary mode with a bad ce-time',
      { ...binaryHeaders(), 'ce-time': 'Fri, 16 Jan 2026 10:00:00 GMT' },
      JSON.stringify(GRADING),
      'ce-time',
    ],
    [
      'binary mode with a text body',
      { ...binaryHeaders(), 'content-type': 'text/plain' },
      'hello',
      'content-type',
    ],
    [
      'binary mode with a body but no content type',
      binaryWithout('content-type'),
      JSON.stringify(GRADING),
      'content-type',
    ],
    [
      'binary mode with invalid JSON data',
      binaryHeaders(),
      '{"instanceId": ',
      'body',
    ],
    [
      'binary mode with a ce-datacontenttype header',
      { ...binaryHeaders(), 'ce-datacontenttype': 'application/json' },
      JSON.stringify(GRADING),
      'ce-datacontenttype',
    ],
    [
      'a repeated ce-id header',
      { ...binaryHeaders(), 'ce-id': ['a', 'b'] },
      JSON.stringify(GRADING),
      'ce-id',
    ],
    [
      'a repeated content-type header',
      {
        ...STRUCTURED,
        'content-type': ['application/cloudevents+json', 'application/json'],
      },
      JSON.stringify(structuredEvent()),
      'content-type',
    ],
  ];

  it('has more than twenty cases', () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  it.each(cases)('rejects %s', (_label, headers, body, field) => {
    const issues = issuesOf(headers, body);
    expect(issues.map((issue) => issue.field)).toContain(field);
    for (const issue of issues) expect(issue.message.length).toBeGreaterThan(3);
  });

  it('reports every envelope problem at once', () => {
    const event = {
      ...structuredEvent(),
      specversion: '0.3',
      id: '',
      time: 'soon',
    };
    expect(issuesOf(STRUCTURED, event).map((issue) => issue.field)).toEqual([
      'specversion',
      'id',
      'time',
    ]);
  });

  it('says clearly that batches are not accepted', () => {
    const [issue] = issuesOf(STRUCTURED, [structuredEvent()]);
    expect(issue.message).toMatch(/batch/);
    expect(
      issuesOf(
        { 'content-type': 'application/cloudevents-batch+json' },
        '[]',
      )[0].message,
    ).toMatch(/one event per request/);
  });

  it('the error message lists the issues', () => {
    expect(() =>
      parseIncomingCloudEvent(STRUCTURED, withValue('id', '')),
    ).toThrow(/id: must be a non-empty string/);
  });
});
