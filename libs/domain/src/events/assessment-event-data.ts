import { ValidationError } from '../errors';
import { isPlainObject } from '../values/field-checks';
import type { GradingCriterionScore } from '../values/grading-score';

/** Consumed from the Assessment Platform: COLLECTING -> GRADING. */
export interface AssessmentCollectionCompletedData {
  instanceId: string;
  collectionId: string;
  artifactsUri: string;
  /** Optional: the Grading Engine session that will grade it. */
  gradingEngineSessionId?: string;
}

/** Consumed from the Grading Engine: store the score (with `passed`), GRADING -> STOPPING. */
export interface AssessmentGradingCompletedData {
  instanceId: string;
  score: { total: number; max: number; breakdown: GradingCriterionScore[] };
  passed: boolean;
}

function requireString(data: Record<string, unknown>, field: string): string {
  const value = data[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ValidationError(`data.${field}`, 'must be a non-empty string');
  }
  return value;
}

function requireNumber(
  data: Record<string, unknown>,
  field: string,
  at: string,
): number {
  const value = data[field];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValidationError(`${at}.${field}`, 'must be a number');
  }
  return value;
}

/** Validates the data of a consumed `assessment.collection.completed` (docs/events.md#consumed-events). */
export function parseAssessmentCollectionCompleted(
  data: unknown,
): AssessmentCollectionCompletedData {
  if (!isPlainObject(data))
    throw new ValidationError('data', 'must be an object');
  const parsed: AssessmentCollectionCompletedData = {
    instanceId: requireString(data, 'instanceId'),
    collectionId: requireString(data, 'collectionId'),
    artifactsUri: requireString(data, 'artifactsUri'),
  };
  if (data['gradingEngineSessionId'] !== undefined) {
    parsed.gradingEngineSessionId = requireString(
      data,
      'gradingEngineSessionId',
    );
  }
  return parsed;
}

/** Validates the data of a consumed `assessment.grading.completed` (docs/events.md#consumed-events). */
export function parseAssessmentGradingCompleted(
  data: unknown,
): AssessmentGradingCompletedData {
  if (!isPlainObject(data))
    throw new ValidationError('data', 'must be an object');
  const instanceId = requireString(data, 'instanceId');
  const score = data['score'];
  if (!isPlainObject(score))
    throw new ValidationError('data.score', 'must be an object');
  if (typeof data['passed'] !== 'boolean')
    throw new ValidationError('data.passed', 'must be a boolean');
  const breakdown = score['breakdown'] ?? [];
  if (!Array.isArray(breakdown))
    throw new ValidationError('data.score.breakdown', 'must be a list');
  return {
    instanceId,
    passed: data['passed'],
    score: {
      total: requireNumber(score, 'total', 'data.score'),
      max: requireNumber(score, 'max', 'data.score'),
      breakdown: breakdown.map((item: unknown, i: number) => {
        const at = `data.score.breakdown[${i}]`;
        if (!isPlainObject(item))
          throw new ValidationError(at, 'must be an object');
        if (typeof item['criterion'] !== 'string')
          throw new ValidationError(`${at}.criterion`, 'must be a string');
        return {
          criterion: item['criterion'],
          points: requireNumber(item, 'points', at),
          max: requireNumber(item, 'max', at),
        };
      }),
    },
  };
}
