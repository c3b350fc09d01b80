import { ValidationError } from '../errors';

export interface GradingCriterionScore {
  criterion: string;
  points: number;
  max: number;
}

export interface GradingScore {
  total: number;
  max: number;
  passed: boolean;
  breakdown: GradingCriterionScore[];
}

function assertScoreNumber(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ValidationError(
      field,
      `must be a number >= 0, got ${JSON.stringify(value)}`,
    );
  }
}

/** Non-negative numbers, total <= max, a boolean `passed` and a well-formed breakdown. */
export function validateGradingScore(
  score: GradingScore,
  field = 'score',
): void {
  assertScoreNumber(score.total, `${field}.total`);
  assertScoreNumber(score.max, `${field}.max`);
  if (score.total > score.max) {
    throw new ValidationError(
      `${field}.total`,
      `${score.total} exceeds max ${score.max}`,
    );
  }
  if (typeof score.passed !== 'boolean') {
    throw new ValidationError(`${field}.passed`, 'must be a boolean');
  }
  if (!Array.isArray(score.breakdown)) {
    throw new ValidationError(`${field}.breakdown`, 'must be a list');
  }
  score.breakdown.forEach((item, i) => {
    if (typeof item.criterion !== 'string' || item.criterion.length === 0) {
      throw new ValidationError(
        `${field}.breakdown[${i}].criterion`,
        'must be a non-empty string',
      );
    }
    assertScoreNumber(item.points, `${field}.breakdown[${i}].points`);
    assertScoreNumber(item.max, `${field}.breakdown[${i}].max`);
  });
}
