// Public API of @lcm/events: the CloudEvents catalog and envelope, the etcd outbox consumer and
// janitor, and the NestJS transport (server and client) that carries outbox events.
export * from './outbox/consumed-event';
export * from './outbox/outbox-metrics';
export * from './outbox/outbox-consumer';
export * from './outbox/outbox-janitor';
export * from './transport/event-pattern';
export * from './transport/outbox-server';
export * from './transport/outbox-client';
export * from './catalog-and-envelope';
