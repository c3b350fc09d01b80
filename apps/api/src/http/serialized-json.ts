import { applyDecorators, Header } from '@nestjs/common';

/**
 * A response body already serialized as JSON, answered as is by a route marked @JsonText() (Nest
 * sends a string unchanged; the header makes it JSON). `T` names what the text holds.
 */
export type JsonText<T> = string & { readonly __holds?: T };

/** The route answers JsonText: `Content-Type: application/json` (express adds the charset). */
export function JsonText(): MethodDecorator {
  return applyDecorators(Header('Content-Type', 'application/json'));
}

/**
 * The JSON of records that do not change once built (the watch cache hands over a new object when a
 * record changes), kept for the most recently served ones, as kube-apiserver's watch cache keeps
 * each object's serialization: a list page or a get of unchanged records serializes nothing again.
 * Bounded (least recently served dropped first), so its memory does not grow with the store.
 */
export class SerializedRecords<K extends object> {
  private readonly texts = new Map<K, string>();

  constructor(
    private readonly serialize: (record: K) => string,
    private readonly capacity = 2048,
  ) {}

  json(record: K): string {
    let text = this.texts.get(record);
    if (text !== undefined) {
      this.texts.delete(record);
    } else {
      text = this.serialize(record);
      if (this.texts.size >= this.capacity)
        this.texts.delete(this.texts.keys().next().value as K);
    }
    this.texts.set(record, text);
    return text;
  }

  /** Records whose JSON is kept (for tests). */
  get size(): number {
    return this.texts.size;
  }
}

/** `{"items":[...],"nextCursor":...,"resourceVersion":...}` from the items' JSON. */
export function jsonPage<T>(
  items: readonly string[],
  nextCursor: string | null,
  resourceVersion: number,
): JsonText<{
  items: T[];
  nextCursor: string | null;
  resourceVersion: number;
}> {
  return `{"items":[${items.join(',')}],"nextCursor":${JSON.stringify(nextCursor)},"resourceVersion":${resourceVersion}}`;
}
