/**
 * A domain event as the transitions produce it. The events lib wraps it in a CloudEvent
 * (adding specversion, source, datacontenttype); `subject` is the aggregate id.
 */
export interface DomainEvent<T = unknown> {
  id: string;
  type: string;
  subject: string;
  time: string;
  data: T;
}

/**
 * Deterministic: the record's new generation and the event's position in the change, so a retried
 * commit of the same change writes the same ids (and the audit sink dedups them).
 */
export function domainEventId(
  subject: string,
  generation: number,
  index: number,
): string {
  return `${subject}:${generation}:${index}`;
}

export interface EventDraft<T = unknown> {
  type: string;
  data: T;
}

/** Numbers the drafts of one change in order. */
export function buildDomainEvents(
  subject: string,
  generation: number,
  time: string,
  drafts: readonly EventDraft[],
): DomainEvent[] {
  return drafts.map((draft, index) => ({
    id: domainEventId(subject, generation, index),
    type: draft.type,
    subject,
    time,
    data: draft.data,
  }));
}
