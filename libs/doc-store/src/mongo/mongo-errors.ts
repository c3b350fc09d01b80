import { StoreUnavailableError } from '../errors';

/** MongoDB's duplicate key error (E11000), from a single write or inside a bulk write. */
export const DUPLICATE_KEY = 11000;

export function isDuplicateKeyError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === DUPLICATE_KEY
  );
}

// Matched by name: mongoose and the driver may come from different copies of the `mongodb` package.
const UNAVAILABLE = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

/** Connection-level failures become StoreUnavailableError (503 + retry); anything else is rethrown as is. */
export function translateMongoError(error: unknown): unknown {
  if (
    error instanceof Error &&
    (UNAVAILABLE.has(error.name) ||
      /before initial connection is complete|Connection .* was force destroyed|client was closed/i.test(
        error.message,
      ))
  ) {
    return new StoreUnavailableError(
      `MongoDB unavailable: ${error.message}`,
      error,
    );
  }
  return error;
}

/** Runs a driver call, turning connection failures into StoreUnavailableError. */
export async function mongoCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw translateMongoError(error);
  }
}
