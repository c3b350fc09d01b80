import { jsonPage, SerializedRecords } from './serialized-json';

describe('SerializedRecords (the JSON of unchanged records, kept)', () => {
  it('serializes a record once while it is kept, and a new record object anew', () => {
    let serialized = 0;
    const texts = new SerializedRecords<{ n: number }>((record) => {
      serialized++;
      return JSON.stringify(record);
    });
    const a = { n: 1 };
    expect(texts.json(a).toString()).toBe('{"n":1}');
    expect(texts.json(a)).toBe(texts.json(a));
    expect(serialized).toBe(1);
    expect(texts.json({ n: 1 }).toString()).toBe('{"n":1}');
    expect(serialized).toBe(2);
  });

  it('keeps at most `capacity` records, dropping the least recently served', () => {
    let serialized = 0;
    const texts = new SerializedRecords<{ n: number }>((record) => {
      serialized++;
      return JSON.stringify(record);
    }, 3);
    const records = [1, 2, 3, 4].map((n) => ({ n }));
    texts.json(records[0]);
    texts.json(records[1]);
    texts.json(records[2]);
    texts.json(records[0]); // served again: now the most recent
    texts.json(records[3]); // drops records[1]
    expect(texts.size).toBe(3);
    serialized = 0;
    texts.json(records[0]);
    texts.json(records[2]);
    texts.json(records[3]);
    expect(serialized).toBe(0);
    texts.json(records[1]);
    expect(serialized).toBe(1);
  });

  it('builds a page that parses to the page object', () => {
    const items = [
      { id: 'a', x: [1, 'two'] },
      { id: 'b"quoted' },
      { id: 'ünïcode ✓' },
    ];
    for (const nextCursor of [null, 'WyJhIl0']) {
      const text = jsonPage(
        items.map((item) => Buffer.from(JSON.stringify(item))),
        nextCursor,
        42,
      );
      expect(JSON.parse(text.toString('utf8'))).toEqual({
        items,
        nextCursor,
        resourceVersion: 42,
      });
    }
    expect(JSON.parse(jsonPage([], null, 0).toString())).toEqual({
      items: [],
      nextCursor: null,
      resourceVersion: 0,
    });
  });
});
