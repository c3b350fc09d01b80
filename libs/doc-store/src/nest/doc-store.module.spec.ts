import { Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { AuditEventRepository } from '../audit-events/audit-event.repository';
import type { DocStore } from '../doc-store';
import type { LabletDefinitionRepository } from '../lablet-definitions/lablet-definition.repository';
import { MemoryDocStore } from '../memory/memory-doc-store';
import type { WorkerTemplateRepository } from '../worker-templates/worker-template.repository';
import { DocStoreModule } from './doc-store.module';
import {
  AUDIT_EVENT_REPOSITORY,
  DOC_STORE,
  LABLET_DEFINITION_REPOSITORY,
  WORKER_TEMPLATE_REPOSITORY,
} from './doc-store.tokens';

@Injectable()
class DefinitionService {
  constructor(
    @Inject(LABLET_DEFINITION_REPOSITORY)
    readonly definitions: LabletDefinitionRepository,
    @Inject(WORKER_TEMPLATE_REPOSITORY)
    readonly templates: WorkerTemplateRepository,
    @Inject(AUDIT_EVENT_REPOSITORY) readonly auditEvents: AuditEventRepository,
    @Inject(DOC_STORE) readonly store: DocStore,
  ) {}
}

describe('DocStoreModule', () => {
  it('provides the three repositories of the configured driver under their tokens', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [DocStoreModule.forRoot({ driver: 'memory' })],
      providers: [DefinitionService],
    }).compile();
    const service = moduleRef.get(DefinitionService);
    expect(service.store.driver).toBe('memory');
    expect(service.definitions).toBe(service.store.definitions);
    expect(service.templates).toBe(service.store.templates);
    expect(service.auditEvents).toBe(service.store.auditEvents);
    await moduleRef.close();
  });

  it('closes the store when the application shuts down', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [DocStoreModule.forRoot({ driver: 'memory' })],
    }).compile();
    const store = moduleRef.get<DocStore>(DOC_STORE);
    expect(store.isReady()).toBe(true);
    await moduleRef.close();
    expect(store.isReady()).toBe(false);
  });

  it('takes its options from a config provider (forRootAsync) and can be global', async () => {
    const CONFIG = Symbol('config');
    @Module({
      providers: [{ provide: CONFIG, useValue: { auditRetentionDays: 30 } }],
      exports: [CONFIG],
    })
    class ConfigModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        DocStoreModule.forRootAsync({
          imports: [ConfigModule],
          inject: [CONFIG],
          useFactory: (config: { auditRetentionDays: number }) => ({
            driver: 'memory',
            auditRetentionDays: config.auditRetentionDays,
          }),
          isGlobal: true,
        }),
      ],
      providers: [DefinitionService],
    }).compile();
    expect(moduleRef.get(DefinitionService).store.driver).toBe('memory');
    await moduleRef.close();
  });

  it('wraps a shared store without closing it (the embedded default runs four apps on one store)', async () => {
    const shared = await MemoryDocStore.open();
    const moduleRef = await Test.createTestingModule({
      imports: [DocStoreModule.forStore(shared)],
      providers: [DefinitionService],
    }).compile();
    expect(moduleRef.get(DefinitionService).definitions).toBe(
      shared.definitions,
    );
    await moduleRef.close();
    expect(shared.isReady()).toBe(true);
    await shared.close();
  });
});
