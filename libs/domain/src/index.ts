// Public API of @lcm/domain: records, value objects, state machines and their transitions,
// event types and data, errors, and the one Clock of LCM. Pure: no I/O, and no rule reads a clock
// (callers pass `now`); the Clock interface, systemClock and ManualClock live here because every
// layer that does read the time (providers, doc-store, the apps) builds on this library.

export * from './errors';

// Values
export * from './values/iso-timestamp';
export * from './values/license-type';
export * from './values/semantic-version';
export * from './values/field-checks';
export * from './values/ami-requirement';
export * from './values/resource-requirements';
export * from './values/port-template';
export * from './values/port-allocation';
export * from './values/worker-capacity';
export * from './values/timeslot';
export * from './values/state-transition';
export * from './values/grading-score';
export * from './values/transition-context';

// LabletDefinition and WorkerTemplate: the documents' types and the one place their rules run
export * from './definition/lablet-definition';
export * from './definition/validate-definition';
export * from './template/worker-template';
export * from './template/validate-worker-template';

// Lab YAML and the grading Pod
export * from './lab/lab-yaml-placeholders';
export * from './lab/rewrite-lab-yaml';
export * from './lab/lab-yaml-nodes';
export * from './lab/grading-pod';

// Events
export * from './events/cloud-event';
export * from './events/domain-event';
export * from './events/event-types';
export * from './events/event-data-by-type';
export * from './events/instance-event-data';
export * from './events/worker-event-data';
export * from './events/definition-event-data';
export * from './events/assessment-event-data';
export * from './events/scaling-events';
export * from './events/definition-events';

// LabletInstance
export * from './instance/instance-state';
export * from './instance/instance-transitions';
export * from './instance/instance-spec';
export * from './instance/lablet-instance';
export * from './instance/instance-action-rules';
export {
  type InstanceChange,
  instanceEventData,
} from './instance/instance-change';
export * from './instance/instance-resources';
export * from './instance/create-instance';
export * from './instance/schedule-instance';
export * from './instance/instantiation';
export * from './instance/run-instance';
export * from './instance/assessment';
export * from './instance/stop-and-archive';
export * from './instance/terminate-instance';
export * from './instance/instance-requests';
export * from './instance/instance-timing';
export * from './instance/parse-instance-record';

// Worker
export * from './worker/worker-state';
export * from './worker/worker-transitions';
export * from './worker/worker';
export * from './worker/worker-license';
export * from './worker/record-worker-license';
export * from './worker/worker-action-rules';
export { type WorkerChange, workerEventData } from './worker/worker-change';
export * from './worker/create-worker';
export * from './worker/provision-worker';
export * from './worker/drain-worker';
export * from './worker/stop-worker';
export * from './worker/terminate-worker';
export * from './worker/worker-requests';
export * from './worker/worker-timing';
export * from './worker/parse-worker-record';
export * from './clock/clock';
