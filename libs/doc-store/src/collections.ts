/** The MongoDB collections (and the memory driver's file names). */
export const LABLET_DEFINITIONS_COLLECTION = 'lablet_definitions';
export const WORKER_TEMPLATES_COLLECTION = 'worker_templates';
export const AUDIT_EVENTS_COLLECTION = 'audit_events';
