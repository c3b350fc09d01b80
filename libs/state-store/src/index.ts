// Public API of @lcm/state-store: the StateStore port, its drivers, the key layout, typed record
// stores, leader election with fencing, and a watch that never misses.
export * from './port/state-store';
export * from './drivers/memory/memory-state-store';
export * from './drivers/etcd/etcd-state-store';
export * from './drivers/etcd/lease-timing';
export * from './keys/key-layout';
export * from './observability/store-observer';
export * from './watch/prefix-informer';
export * from './watch/watch-cache';
export * from './election/leader-election';
export * from './records/outbox-event';
export * from './records/record-codec';
export * from './records/state-committer';
export * from './records/instance-store';
export * from './records/worker-store';
export * from './records/fenced-writer';
export * from './drivers/sqlite/sqlite-database';
export * from './drivers/sqlite/sqlite-state-store';
