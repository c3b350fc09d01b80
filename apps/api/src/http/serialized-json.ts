import { applyDecorators, Header } from '@nestjs/common';
import type { Response } from 'express';

/**
 * A response body already serialized as JSON, as UTF-8 bytes: sent as is (sendJson) by a route marked
 * @JsonText(), with no string to encode per request. `T` names what the bytes hold.
 */
export type JsonBytes<T> = Buffer & { readonly __holds?: T };

/** The route answers JsonBytes through sendJson: `Content-Type: application/json; charset=utf-8`. */
export function JsonText(): MethodDecorator {
  return applyDecorators(
    Header('Content-Type', 'application/json; charset=utf-8'),
  );
}

/**
 * Sends the bytes of a @JsonText() route that takes the response (`@Res()`): Nest would serialize a
 * Buffer as an object, and a string costs an encoding of the whole body per request.
 */
export function sendJson<T>(response: Response, body: JsonBytes<T>): void {
  response.send(body);
}

/**
 * The JSON of records that do not change once built (the watch cache hands over a new object when a
 * record changes), kept as UTF-8 bytes for the most recently served ones, as kube-apiserver's watch
 * cache keeps each object's serialization: a list page or a get of unchanged records serializes
 * nothing again. Bounded (least recently served dropped first), so its memory does not grow with the
 * store; each kept text has a buffer of its own (not a slice of a shared pool a dropped one would pin).
 * `K` is the record, `T` the DTO its JSON holds.
 */
export class SerializedRecords<K extends object, T = unknown> {
  private readonly texts = new Map<K, Buffer>();

  constructor(
    private readonly serialize: (record: K) => string,
    private readonly capacity = 2048,
  ) {}

  json(record: K): JsonBytes<T> {
    let bytes = this.texts.get(record);
    if (bytes !== undefined) {
      this.texts.delete(record);
    } else {
      const text = this.serialize(record);
      bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'utf8'));
      bytes.write(text, 'utf8');
      if (this.texts.size >= this.capacity)
        this.texts.delete(this.texts.keys().next().value as K);
    }
    this.texts.set(record, bytes);
    return bytes;
  }

  /** Records whose JSON is kept (for tests). */
  get size(): number {
    return this.texts.size;
  }
}

const PAGE_START = Buffer.from('{"items":[');

/** `{"items":[...],"nextCursor":...,"resourceVersion":...}` from the items' JSON, copied once. */
export function jsonPage<T>(
  items: readonly Uint8Array[],
  nextCursor: string | null,
  resourceVersion: number,
): JsonBytes<{
  items: T[];
  nextCursor: string | null;
  resourceVersion: number;
}> {
  const end = `],"nextCursor":${JSON.stringify(nextCursor)},"resourceVersion":${resourceVersion}}`;
  let length = PAGE_START.length + Buffer.byteLength(end, 'utf8');
  for (const item of items) length += item.length + 1; // and a comma
  const page = Buffer.allocUnsafe(length);
  page.set(PAGE_START, 0);
  let at = PAGE_START.length;
  items.forEach((item, i) => {
    if (i > 0) page[at++] = 0x2c; // ','
    page.set(item, at);
    at += item.length;
  });
  at += page.write(end, at, 'utf8');
  return page.subarray(0, at);
}
