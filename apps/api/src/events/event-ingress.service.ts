import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  completeGrading,
  EVENT_TYPES,
  gradingScoreFrom,
  InstanceChange,
  InvalidTransition,
  isConsumedEventType,
  isEventType,
  LabletInstance,
  NotFound,
  parseAssessmentCollectionCompleted,
  parseAssessmentGradingCompleted,
  startGrading,
  TransitionContext,
  isoNow,
  type Clock,
} from '@lcm/domain';
import {
  IncomingCloudEvent,
  IncomingHeaders,
  isInvalidEventError,
  parseIncomingCloudEvent,
  validateEventData,
} from '@lcm/events';
import { ProblemException } from '@lcm/runtime';
import { InstanceStore } from '@lcm/state-store';
import { UUID } from '../http/dto-validators';
import { currentRequestId } from '../http/request-context';
import { CLOCK } from '../app/clock.token';
import { retryOnConflict } from '../repositories/conflict-retry';
import { ConsumedEventRepository } from '../repositories/consumed-event.repository';

export type IngressOutcome = 'applied' | 'duplicate' | 'ignored';

export interface IngressReceipt {
  id: string;
  source: string;
  type: string;
  outcome: IngressOutcome;
}

/**
 * docs/api.md#cloudevents-in / docs/events.md#consumed-events: CloudEvents LCM consumes, received over HTTP. Checked (envelope, then the
 * catalog's data class), deduplicated on source + id, applied as one instance transition committed
 * with its dedup marker. Unknown types are acknowledged and ignored; an event that does not fit the
 * instance's state is refused (409) and logged, never applied.
 */
@Injectable()
export class EventIngressService {
  private readonly logger = new Logger('EventIngress');

  constructor(
    private readonly instances: InstanceStore,
    private readonly consumed: ConsumedEventRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async receive(
    headers: IncomingHeaders,
    body: unknown,
  ): Promise<IngressReceipt> {
    const event = parse(headers, body);
    const receipt = (outcome: IngressOutcome): IngressReceipt => ({
      id: event.id,
      source: event.source,
      type: event.type,
      outcome,
    });
    if (!isEventType(event.type)) {
      this.logger.log({
        msg: 'unknown CloudEvent type acknowledged and ignored',
        type: event.type,
        source: event.source,
        eventId: event.id,
        requestId: currentRequestId(),
      });
      return receipt('ignored');
    }
    const checked = validateEventData(event.type, event.data);
    if (!checked.ok)
      throw new ProblemException(
        'validation-error',
        `data does not match ${event.type}: ${checked.issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
        { errors: checked.issues },
      );
    if (!isConsumedEventType(event.type)) return receipt('ignored');
    if (await this.consumed.isProcessed(event)) return receipt('duplicate');

    const decide = this.decision(event);
    const outcome = await retryOnConflict(async (): Promise<IngressOutcome> => {
      const current = await this.instances.get(decide.instanceId);
      if (!current)
        throw this.refused(event, new NotFound('instance', decide.instanceId));
      const now = isoNow(this.clock);
      let change: InstanceChange;
      try {
        change = decide.apply(current.value, {
          now,
          triggeredBy: event.source,
        });
      } catch (error) {
        if (error instanceof InvalidTransition) {
          // Not applied: already handled under another id, or sent for the wrong state.
          if (await this.consumed.isProcessed(event)) return 'duplicate';
          throw this.refused(event, error);
        }
        throw error;
      }
      return (await this.consumed.commit(
        change,
        current.revision,
        event,
        now,
      )) === 'duplicate'
        ? 'duplicate'
        : 'applied';
    });
    this.logger.log({
      msg: `consumed ${event.type}`,
      outcome,
      type: event.type,
      source: event.source,
      eventId: event.id,
      instanceId: decide.instanceId,
      requestId: currentRequestId(),
    });
    return receipt(outcome);
  }

  private decision(event: IncomingCloudEvent): {
    instanceId: string;
    apply: (
      instance: LabletInstance,
      context: TransitionContext,
    ) => InstanceChange;
  } {
    if (event.type === EVENT_TYPES.assessmentCollectionCompleted) {
      const data = parseAssessmentCollectionCompleted(event.data);
      return {
        instanceId: instanceIdOf(data.instanceId),
        apply: (instance, context) =>
          startGrading(
            instance,
            {
              collectionId: data.collectionId,
              artifactsUri: data.artifactsUri,
              gradingEngineSessionId: data.gradingEngineSessionId ?? null,
            },
            context,
          ),
      };
    }
    const data = parseAssessmentGradingCompleted(event.data);
    return {
      instanceId: instanceIdOf(data.instanceId),
      apply: (instance, context) =>
        completeGrading(instance, { score: gradingScoreFrom(data) }, context),
    };
  }

  private refused(
    event: IncomingCloudEvent,
    error: InvalidTransition | NotFound,
  ): Error {
    this.logger.warn({
      msg: `refused ${event.type}: ${error.message}`,
      type: event.type,
      source: event.source,
      eventId: event.id,
      requestId: currentRequestId(),
    });
    return error;
  }
}

function parse(headers: IncomingHeaders, body: unknown): IncomingCloudEvent {
  try {
    return parseIncomingCloudEvent(headers, body);
  } catch (error) {
    if (isInvalidEventError(error))
      throw new ProblemException('validation-error', error.message, {
        errors: [...error.issues],
      });
    throw error;
  }
}

/** Instance ids are UUIDs; anything else names no instance (and must never reach a key). */
function instanceIdOf(id: string): string {
  if (!UUID.test(id))
    throw new NotFound('instance', id.length > 64 ? `${id.slice(0, 64)}…` : id);
  return id.toLowerCase();
}
