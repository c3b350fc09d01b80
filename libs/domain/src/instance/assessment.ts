import { EVENT_TYPES } from '../events/event-types';
import type {
  CollectionReason,
  InstanceCollectingStartedData,
  InstanceGradingCompletedData,
  InstanceGradingStartedData,
  InstanceStoppingData,
} from '../events/instance-event-data';
import type { AssessmentGradingCompletedData } from '../events/assessment-event-data';
import { ValidationError } from '../errors';
import { toEpochMs } from '../values/iso-timestamp';
import {
  validateGradingScore,
  type GradingScore,
} from '../values/grading-score';
import {
  applyInstanceTransition,
  type InstanceChange,
} from './instance-change';
import {
  requireReason,
  type TransitionContext,
} from '../values/transition-context';
import { assertInstanceEdge } from './instance-transitions';
import type { LabletInstance } from './lablet-instance';

const COLLECTION_REASONS: readonly CollectionReason[] = [
  'manual',
  'timeslot_end',
  'assessment_request',
];

/** running -> collecting: collection requested (by a user, at timeslot end, or by the assessment side). */
export function startCollection(
  instance: LabletInstance,
  input: { collectionReason: CollectionReason },
  context: TransitionContext,
): InstanceChange {
  assertInstanceEdge(instance, 'running', 'collecting');
  if (!COLLECTION_REASONS.includes(input.collectionReason)) {
    throw new ValidationError(
      'collectionReason',
      `must be one of ${COLLECTION_REASONS.join(', ')}`,
    );
  }
  return applyInstanceTransition(instance, {
    from: 'running',
    to: 'collecting',
    context,
    events: (_next, base) => {
      const data: InstanceCollectingStartedData = {
        ...base,
        collectionReason: input.collectionReason,
      };
      return [{ type: EVENT_TYPES.instanceCollectingStarted, data }];
    },
  });
}

/** collecting -> grading: `assessment.collection.completed` arrived. */
export function startGrading(
  instance: LabletInstance,
  input: {
    gradingEngineSessionId?: string | null;
    collectionId?: string | null;
    artifactsUri?: string | null;
  },
  context: TransitionContext,
): InstanceChange {
  return applyInstanceTransition(instance, {
    from: 'collecting',
    to: 'grading',
    context,
    events: (_next, base) => {
      const data: InstanceGradingStartedData = {
        ...base,
        gradingEngineSessionId: input.gradingEngineSessionId ?? null,
        collectionId: input.collectionId ?? null,
        artifactsUri: input.artifactsUri ?? null,
      };
      return [{ type: EVENT_TYPES.instanceGradingStarted, data }];
    },
  });
}

/** collecting -> stopping: collection failed or was abandoned. Needs a reason. */
export function abandonCollection(
  instance: LabletInstance,
  context: TransitionContext,
): InstanceChange {
  assertInstanceEdge(instance, 'collecting', 'stopping');
  requireReason(context);
  return applyInstanceTransition(instance, {
    from: 'collecting',
    to: 'stopping',
    context,
    events: (_next, base) => {
      const data: InstanceStoppingData = base;
      return [{ type: EVENT_TYPES.instanceStopping, data }];
    },
  });
}

/** When the instance last entered `grading` (for the grading duration). */
function gradingStartedAt(instance: LabletInstance): string | null {
  for (let i = instance.stateHistory.length - 1; i >= 0; i--) {
    if (instance.stateHistory[i].to === 'grading')
      return instance.stateHistory[i].at;
  }
  return null;
}

/**
 * grading -> stopping: `assessment.grading.completed` arrived. Stores the score and emits
 * `grading.completed`, then `stopping`, in that order.
 */
export function completeGrading(
  instance: LabletInstance,
  input: { score: GradingScore },
  context: TransitionContext,
): InstanceChange {
  assertInstanceEdge(instance, 'grading', 'stopping');
  validateGradingScore(input.score);
  const since = gradingStartedAt(instance);
  const gradingDurationSeconds =
    since === null
      ? 0
      : Math.max(0, (toEpochMs(context.now) - toEpochMs(since)) / 1000);
  return applyInstanceTransition(instance, {
    from: 'grading',
    to: 'stopping',
    context,
    patch: { gradingScore: input.score },
    events: (_next, base) => {
      const completed: InstanceGradingCompletedData = {
        ...base,
        score: input.score,
        gradingDurationSeconds,
      };
      const stopping: InstanceStoppingData = base;
      return [
        { type: EVENT_TYPES.instanceGradingCompleted, data: completed },
        { type: EVENT_TYPES.instanceStopping, data: stopping },
      ];
    },
  });
}

/** The stored score for a consumed `assessment.grading.completed` (its `passed` goes into the score). */
export function gradingScoreFrom(
  data: AssessmentGradingCompletedData,
): GradingScore {
  return {
    total: data.score.total,
    max: data.score.max,
    passed: data.passed,
    breakdown: data.score.breakdown,
  };
}
