import fc from 'fast-check';
import {
  fromAuditDocument,
  fromAuditDocumentRecord,
  needsJsonText,
  toAuditDocument,
} from './audit-event.mapper';
import type { CloudEvent } from './audit-event.entity';

const base: CloudEvent = {
  specversion: '1.0',
  id: 'e',
  source: 'lcm/api',
  type: 'lcm.x',
  time: '2026-01-16T10:00:00Z',
};

describe('audit event mapping', () => {
  it('stores attributes and extensions at the top level with a date for ordering and retention', () => {
    const doc = toAuditDocument({
      event: { ...base, traceparent: 't', data: { a: 1 } },
      timeAt: '2026-01-16T10:00:00.000Z',
      recordedAt: '2026-01-16T10:00:01.000Z',
      commitRevision: 42,
      commitPosition: 3,
    });
    expect(doc).toEqual({
      ...base,
      traceparent: 't',
      data: { a: 1 },
      timeAt: new Date('2026-01-16T10:00:00Z'),
      recordedAt: new Date('2026-01-16T10:00:01Z'),
      commitRevision: 42,
      commitPosition: 3,
    });
    expect(fromAuditDocumentRecord(structuredClone(doc))).toMatchObject({
      commitRevision: 42,
      commitPosition: 3,
      event: { ...base, traceparent: 't', data: { a: 1 } },
    });
  });

  it('keeps data as JSON text only when a server would refuse it', () => {
    expect(needsJsonText({ a: { b: [1, { c: 2 }] } })).toBe(false);
    expect(needsJsonText({ 'a.b': 1 })).toBe(true);
    expect(needsJsonText({ a: [{ $gt: 1 }] })).toBe(true);
    expect(needsJsonText({ '': 1 })).toBe(true);
    expect(needsJsonText([[1]])).toBe(true);
    expect(needsJsonText('text')).toBe(false);
  });

  it('gives back the event it was given, whatever the JSON data (property)', () => {
    fc.assert(
      // Events arrive as JSON text, so their data is what JSON can carry (no -0: it reads back as 0).
      fc.property(
        fc
          .jsonValue()
          .map((value) => JSON.parse(JSON.stringify(value)) as unknown),
        (data) => {
          const event = { ...base, data };
          const doc = toAuditDocument({
            event,
            timeAt: '2026-01-16T10:00:00.000Z',
            recordedAt: '2026-01-16T10:00:00.000Z',
            commitRevision: 1,
            commitPosition: 0,
          });
          // What the server hands back for a document it accepted is the document itself.
          expect(fromAuditDocument(structuredClone(doc))).toEqual(event);
        },
      ),
    );
  });
});
