/** Injection tokens: `@Inject(LABLET_DEFINITION_REPOSITORY) definitions: LabletDefinitionRepository`. */
export const DOC_STORE = Symbol('lcm.DocStore');
export const LABLET_DEFINITION_REPOSITORY = Symbol(
  'lcm.LabletDefinitionRepository',
);
export const WORKER_TEMPLATE_REPOSITORY = Symbol(
  'lcm.WorkerTemplateRepository',
);
export const AUDIT_EVENT_REPOSITORY = Symbol('lcm.AuditEventRepository');
