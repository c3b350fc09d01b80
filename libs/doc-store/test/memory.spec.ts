import { MemoryAuditEventRepository, MemoryLabletDefinitionRepository, MemoryWorkerTemplateRepository } from '../src';
import { describeAuditRepositoryContract, describeDefinitionRepositoryContract, describeTemplateRepositoryContract } from './contract';

// The memory driver against the same contract the mongo driver meets in mongo.integration-spec.ts.
describeDefinitionRepositoryContract('memory', async ({ now }) => new MemoryLabletDefinitionRepository({ now }));
describeTemplateRepositoryContract('memory', async ({ now }) => new MemoryWorkerTemplateRepository({ now }));
describeAuditRepositoryContract('memory', async ({ now }) => new MemoryAuditEventRepository({ now }));
