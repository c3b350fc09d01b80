import { findJsonShapeIssue, MAX_JSON_DEPTH } from './json-body-shape';

function nested(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 1; i < depth; i++) value = i % 2 ? { a: value } : [value];
  return depth === 0 ? leaf : { a: value };
}

describe('findJsonShapeIssue', () => {
  it('accepts bodies up to the depth limit and refuses the level after it, objects and arrays alike', () => {
    expect(MAX_JSON_DEPTH).toBe(64);
    expect(findJsonShapeIssue(nested(64))).toBeUndefined();
    expect(findJsonShapeIssue(nested(65))).toMatchObject({
      kind: 'too-deep',
      message: expect.stringContaining('64'),
    });
    expect(findJsonShapeIssue([[[1]]], 3)).toBeUndefined();
    expect(findJsonShapeIssue([[[[1]]]], 3)).toMatchObject({
      kind: 'too-deep',
      field: '[0][0][0]',
    });
    expect(findJsonShapeIssue({ a: [{ b: {} }] }, 3)).toMatchObject({
      field: 'a[0].b',
    });
  });

  it('walks without recursion: a million levels are reported, not a stack overflow', () => {
    const text = `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`;
    expect(findJsonShapeIssue(JSON.parse(text))).toMatchObject({
      kind: 'too-deep',
    });
  });

  it('refuses __proto__, constructor and prototype keys at any level, naming the path', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      expect(findJsonShapeIssue(JSON.parse(`{"ok":1,"${key}":{}}`))).toEqual({
        field: key,
        message: 'is not a known field',
        kind: 'forbidden-key',
      });
      expect(
        findJsonShapeIssue(JSON.parse(`{"a":[{"b":{"${key}":1}}]}`)),
      ).toMatchObject({ field: `a[0].b.${key}`, kind: 'forbidden-key' });
    }
    // Values that merely spell the names are fine.
    expect(
      findJsonShapeIssue({
        name: '__proto__',
        tags: ['constructor'],
        prototypes: 1,
      }),
    ).toBeUndefined();
  });

  it('passes scalars and ordinary documents', () => {
    for (const value of [
      null,
      1,
      'x',
      true,
      [],
      {},
      { a: { b: [1, { c: null }] } },
    ])
      expect(findJsonShapeIssue(value)).toBeUndefined();
  });
});
