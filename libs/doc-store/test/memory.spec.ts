import {
  MemoryAuditEventRepository,
  MemoryLabletDefinitionRepository,
  MemoryWorkerTemplateRepository,
} from '../src';
import {
  describeAuditRepositoryContract,
  describeDefinitionRepositoryContract,
  describeTemplateRepositoryContract,
} from './contract';

// The memory driver against the same contract the mongo driver meets in mongo.integration-spec.ts.
describeDefinitionRepositoryContract(
  'memory',
  async ({ clock }) => new MemoryLabletDefinitionRepository({ clock }),
);
describeTemplateRepositoryContract(
  'memory',
  async ({ clock }) => new MemoryWorkerTemplateRepository({ clock }),
);
describeAuditRepositoryContract(
  'memory',
  async ({ clock }) => new MemoryAuditEventRepository({ clock }),
);
