import { isJsonMediaType, isRfc3339, mediaTypeOf } from './envelope-rules';

describe('isRfc3339', () => {
  it.each([
    '2026-01-16T10:00:00Z',
    '2026-01-16T10:00:00.000Z',
    '2026-01-16t10:00:00.123456789z',
    '2026-01-16T10:00:00+05:30',
    '2024-02-29T23:59:59-08:00',
  ])('accepts %s', (value) => {
    expect(isRfc3339(value)).toBe(true);
  });

  it.each([
    '2026-01-16T10:00Z',
    '2026-01-16T10:00:00',
    '2026-01-16',
    '2026-02-29T10:00:00Z',
    '2026-02-30T10:00:00Z',
    '2026-13-01T10:00:00Z',
    '2026-01-16T24:00:00Z',
    '2026-01-16T10:60:00Z',
    '2026-01-16T10:00:00+24:00',
    'Fri, 16 Jan 2026 10:00:00 GMT',
    '',
  ])('rejects %s', (value) => {
    expect(isRfc3339(value)).toBe(false);
  });

  it('rejects anything that is not a string', () => {
    expect(isRfc3339(Date.parse('2026-01-16T10:00:00Z'))).toBe(false);
    expect(isRfc3339(new Date())).toBe(false);
  });
});

describe('JSON media types', () => {
  it.each([
    ['application/json', true],
    ['Application/JSON; charset=utf-8', true],
    ['application/vnd.lcm.event+json', true],
    ['text/json', false],
    ['application/xml', false],
    ['application/jsonx', false],
  ])('%s is JSON: %s', (contentType, json) => {
    expect(isJsonMediaType(mediaTypeOf(contentType))).toBe(json);
  });
});
