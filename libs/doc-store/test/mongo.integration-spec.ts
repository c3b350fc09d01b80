import {
  describeWithServers,
  mongoUriForDatabase,
  uniqueName,
} from '@lcm/testing';
import {
  MongoAuditEventRepository,
  MongoConnection,
  MongoDocStore,
  MongoLabletDefinitionRepository,
  MongoWorkerTemplateRepository,
  StoreUnavailableError,
} from '../src';
import {
  cloudEvent,
  definitionInput,
  describeAuditRepositoryContract,
  describeDefinitionRepositoryContract,
  describeTemplateRepositoryContract,
} from './contract';

describeWithServers(['mongo'])(
  'mongo driver on a real MongoDB wire-protocol server',
  () => {
    let store: MongoDocStore;

    beforeAll(async () => {
      store = await MongoDocStore.open({
        uri: mongoUriForDatabase(uniqueName('docstore')),
      });
    });

    afterAll(async () => {
      await store.connection.connection.dropDatabase();
      await store.close();
    });

    // The same contract the memory driver meets in memory.spec.ts; each test starts from empty collections.
    describeDefinitionRepositoryContract('mongo', async ({ clock }) => {
      await store.models.definitions.deleteMany({});
      return new MongoLabletDefinitionRepository(store.models.definitions, {
        clock,
      });
    });
    describeTemplateRepositoryContract('mongo', async ({ clock }) => {
      await store.models.templates.deleteMany({});
      return new MongoWorkerTemplateRepository(store.models.templates, {
        clock,
      });
    });
    describeAuditRepositoryContract('mongo', async ({ clock }) => {
      await store.models.auditEvents.deleteMany({});
      return new MongoAuditEventRepository(store.models.auditEvents, { clock });
    });

    describe('indexes', () => {
      it('declares the unique, sort and retention indexes and builds them idempotently', async () => {
        const report = await store.ensureIndexes();
        expect(report.ensured).toEqual(
          expect.arrayContaining([
            'lablet_definitions.definition_name_version_unique',
            'lablet_definitions.definition_name_semver',
            'worker_templates.template_name_unique',
            'audit_events.audit_source_id_unique',
            'audit_events.audit_commit_order',
            'audit_events.audit_retention_ttl',
          ]),
        );
        const auditIndexes =
          await store.models.auditEvents.collection.indexes();
        const ttl = auditIndexes.find(
          (index) => index.name === 'audit_retention_ttl',
        );
        expect(ttl?.key).toEqual({ recordedAt: 1 });
        expect(
          auditIndexes.find((index) => index.name === 'audit_source_id_unique')
            ?.unique,
        ).toBe(true);
        // MongoDB builds the TTL index; FerretDB 1.x cannot, and the store purges on a timer instead.
        if (report.ttlUnsupported.includes('audit_events'))
          expect(ttl?.expireAfterSeconds).toBeUndefined();
        else expect(ttl?.expireAfterSeconds).toBe(365 * 86_400);
      });

      it('applies a changed retention to the existing TTL index (or reports TTL unsupported)', async () => {
        const other = new MongoDocStore(
          new MongoConnection({
            uri: mongoUriForDatabase(store.connection.connection.name),
          }),
          { auditRetentionDays: 90 },
        );
        try {
          await other.connection.connect();
          const report = await other.ensureIndexes();
          const ttl = (
            await other.models.auditEvents.collection.indexes()
          ).find((index) => index.name === 'audit_retention_ttl');
          if (!report.ttlUnsupported.includes('audit_events'))
            expect(ttl?.expireAfterSeconds).toBe(90 * 86_400);
        } finally {
          await other.close();
          await store.ensureIndexes();
        }
      });
    });

    describe('connection', () => {
      it('is ready once connected with indexes ensured, and not after close', async () => {
        const own = await MongoDocStore.open({
          uri: mongoUriForDatabase(uniqueName('docstore_ready')),
        });
        expect(own.isReady()).toBe(true);
        expect(await own.connection.ping()).toBe(true);
        await own.connection.connection.dropDatabase();
        await own.close();
        expect(own.isReady()).toBe(false);
        expect(await own.connection.ping()).toBe(false);
        await own.close();
      });

      it('retries with backoff and then fails start-up with StoreUnavailableError, without leaking the password', async () => {
        const started = Date.now();
        const warnings: string[] = [];
        const attempt = MongoDocStore.open({
          uri: 'mongodb://lcm:s3cret@127.0.0.1:1/never',
          connectAttempts: 3,
          initialBackoffMs: 50,
          serverSelectionTimeoutMs: 200,
          logger: {
            log: () => undefined,
            warn: (message) => warnings.push(message),
            error: () => undefined,
          },
        });
        const error = await attempt.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as Error).message).not.toContain('s3cret');
        expect(warnings).toHaveLength(2);
        expect(warnings.join('\n')).not.toContain('s3cret');
        expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 200);
      });

      it('stops retrying when closed during start-up', async () => {
        const connection = new MongoConnection({
          uri: 'mongodb://127.0.0.1:1/never',
          connectAttempts: 100,
          initialBackoffMs: 10_000,
          serverSelectionTimeoutMs: 100,
        });
        const connecting = connection.connect().catch((e: unknown) => e);
        await new Promise((resolve) => setTimeout(resolve, 300));
        await connection.close();
        expect(await connecting).toBeInstanceOf(StoreUnavailableError);
      });

      it('turns operations on a closed connection into StoreUnavailableError', async () => {
        const own = await MongoDocStore.open({
          uri: mongoUriForDatabase(uniqueName('docstore_closed')),
          ensureIndexes: false,
        });
        await own.connection.connection.dropDatabase();
        await own.close();
        await expect(
          own.definitions.create(definitionInput()),
        ).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(
          own.auditEvents.insertMany([cloudEvent()]),
        ).rejects.toBeInstanceOf(StoreUnavailableError);
      });
    });

    describe('stored documents', () => {
      it('keeps dates as BSON dates and the semver parts as numbers', async () => {
        await store.models.definitions.deleteMany({});
        const created = await store.definitions.create(
          definitionInput({ version: '1.10.2-rc.1' }),
        );
        const raw = await store.models.definitions.collection.findOne({
          _id: created.id as never,
        });
        expect(raw).toMatchObject({
          versionMajor: 1,
          versionMinor: 10,
          versionPatch: 2,
          versionRelease: 0,
        });
        expect(raw?.['createdAt']).toBeInstanceOf(Date);
      });

      it('stores audit data with unstorable keys as JSON text and plain data as a sub-document', async () => {
        await store.models.auditEvents.deleteMany({});
        await store.auditEvents.insertMany([
          cloudEvent({ id: 'plain' }),
          cloudEvent({ id: 'odd', data: { 'a.b': 1 } }),
          cloudEvent({ id: 'matrix', data: { grid: [[1, 2], [3]] } }),
        ]);
        const plain = await store.models.auditEvents.collection.findOne({
          id: 'plain',
        });
        const odd = await store.models.auditEvents.collection.findOne({
          id: 'odd',
        });
        const matrix = await store.models.auditEvents.collection.findOne({
          id: 'matrix',
        });
        expect(plain?.['data']).toEqual(
          expect.objectContaining({ newState: 'running' }),
        );
        expect(plain?.['dataJson']).toBeUndefined();
        expect(odd?.['dataJson']).toBe('{"a.b":1}');
        expect(matrix?.['dataJson']).toBe('{"grid":[[1,2],[3]]}');
        expect(odd?.['recordedAt']).toBeInstanceOf(Date);
      });
    });
  },
);
