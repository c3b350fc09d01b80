/**
 * The one CloudEvent type: a CloudEvent 1.0 in structured JSON form, the context attributes, `data`,
 * and any extension attributes (lower-case alphanumeric names) at the top level. It lives in the
 * pure core because every layer carries it: the state store writes it to the outbox, the events
 * library builds, checks and transports it, the document store keeps it in the audit trail.
 *
 * The layers narrow it, never re-declare it: `TimedCloudEvent` is what the audit trail stores,
 * `OutboxEvent` (state-store) the form LCM emits (a time and JSON `data`, always), and
 * `IncomingCloudEvent` (events) a received one normalised to JSON `data`.
 */
export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  id: string;
  /** `lcm/<service>` for LCM's own events. */
  source: string;
  type: string;
  /** The aggregate id. */
  subject?: string;
  /** RFC 3339. Optional in CloudEvents; LCM's own events and the audit trail always carry it (TimedCloudEvent). */
  time?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: T;
  data_base64?: string;
  [extension: string]: unknown;
}

/** A CloudEvent with its time: the outbox and the audit trail are ordered by it. */
export type TimedCloudEvent<T = unknown> = CloudEvent<T> & { time: string };
