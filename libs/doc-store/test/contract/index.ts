// The contract suites: one behaviour, run unchanged against every driver.
export { describeDefinitionRepositoryContract } from './definition-repository.contract';
export { describeTemplateRepositoryContract } from './template-repository.contract';
export { describeAuditRepositoryContract } from './audit-repository.contract';
export * from './fixtures';
