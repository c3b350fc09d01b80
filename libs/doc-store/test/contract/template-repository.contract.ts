import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultWorkerTemplatesPath,
  DuplicateError,
  InUseError,
  NotFoundError,
  type WorkerTemplateRepository,
} from '../../src';
import {
  ManualClock,
  ValidationError,
  type NewWorkerTemplate,
} from '@lcm/domain';
import {
  collectPages,
  SNAKE_CASE_SEED,
  templateInput,
  type RepositoryFactory,
} from './fixtures';

/** The behaviour every WorkerTemplateRepository driver must have (memory as unit, mongo as integration). */
export function describeTemplateRepositoryContract(
  driver: string,
  factory: RepositoryFactory<WorkerTemplateRepository>,
): void {
  describe(`WorkerTemplateRepository contract (${driver})`, () => {
    let clock: ManualClock;
    let repo: WorkerTemplateRepository;

    beforeEach(async () => {
      clock = new ManualClock();
      repo = await factory({ clock });
    });

    async function names(): Promise<string[]> {
      return (await repo.list({ limit: 500 })).items.map((t) => t.name);
    }

    describe('create and read', () => {
      it('creates a template with an id, timestamps, isSeeded false and the ManagedBy: lcm tag', async () => {
        const created = await repo.create(templateInput());
        expect(created).toMatchObject({
          name: 'personal-small',
          isSeeded: false,
          createdAt: clock.iso(),
          updatedAt: clock.iso(),
          tags: { Team: 'labs', ManagedBy: 'lcm' },
        });
        expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(await repo.getById(created.id)).toEqual(created);
        expect(await repo.getByName('personal-small')).toEqual(created);
      });

      it('keeps the EC2 launch settings of a template as given, and leaves them out when none are', async () => {
        const ec2 = {
          amiOwner: 'self',
          subnetIds: ['subnet-0123456789abcdef0'],
          securityGroupIds: ['sg-0123456789abcdef0'],
          iamInstanceProfile: 'lcm-worker',
          rootVolumeGb: 200,
          userData: '#cloud-config\n',
        };
        const created = await repo.create(
          templateInput({ name: 'aws-ec2', ec2 }),
        );
        expect(created.ec2).toEqual(ec2);
        expect(await repo.getById(created.id)).toEqual(created);
        const plain = await repo.create(templateInput({ name: 'no-ec2' }));
        expect((await repo.getById(plain.id))?.ec2).toBeUndefined();
      });

      it('fills in the defaults: empty description, no extra tags, a 4-hour drain timeout', async () => {
        const {
          description: _d,
          tags: _t,
          drainTimeoutHours: _h,
          amiName: _a,
          ...required
        } = templateInput();
        const created = await repo.create(required as NewWorkerTemplate);
        expect(created).toMatchObject({
          description: '',
          tags: { ManagedBy: 'lcm' },
          drainTimeoutHours: 4,
        });
        expect(created).not.toHaveProperty('amiName');
        expect(await repo.getById(created.id)).toEqual(created);
      });

      it('forces ManagedBy to lcm and keeps tag keys with dots and dollars', async () => {
        const created = await repo.create(
          templateInput({
            tags: {
              ManagedBy: 'someone-else',
              'aws:cost.center': 'labs',
              $weird: 'x',
            },
          }),
        );
        expect((await repo.getById(created.id)).tags).toEqual({
          ManagedBy: 'lcm',
          'aws:cost.center': 'labs',
          $weird: 'x',
        });
      });

      it('refuses a second template with the same name with DuplicateError', async () => {
        await repo.create(templateInput());
        await expect(
          repo.create(templateInput({ description: 'again' })),
        ).rejects.toBeInstanceOf(DuplicateError);
        expect(await names()).toEqual(['personal-small']);
      });

      it('reports unknown ids and names as NotFoundError', async () => {
        await expect(repo.getById('nope')).rejects.toBeInstanceOf(
          NotFoundError,
        );
        await expect(repo.getByName('nope')).rejects.toBeInstanceOf(
          NotFoundError,
        );
      });
    });

    describe('refuses invalid input with a ValidationError naming the field, and writes nothing', () => {
      const cases: [string, Record<string, unknown>, string][] = [
        [
          'a port range whose start is not below its end',
          { portRange: { start: 5000, end: 5000 } },
          'portRange',
        ],
        [
          'a port range below 1024',
          { portRange: { start: 80, end: 9999 } },
          'portRange.start',
        ],
        [
          'a port range above 65535',
          { portRange: { start: 2000, end: 70_000 } },
          'portRange.end',
        ],
        ['a missing port range', { portRange: undefined }, 'portRange'],
        ['an unknown licence type', { licenseType: 'GOLD' }, 'licenseType'],
        [
          'more than 20 nodes on a PERSONAL licence',
          { maxNodes: 21 },
          'maxNodes',
        ],
        [
          'an image name outside the AMI pattern',
          { amiName: 'CML-2.8.0' },
          'amiName',
        ],
        ['a missing region', { region: undefined }, 'region'],
        [
          'capacity as a string',
          { capacity: { cpuCores: '48', memoryGb: 192, storageGb: 500 } },
          'capacity.cpuCores',
        ],
        [
          'a zero startup time',
          { startupTimeMinutes: 0 },
          'startupTimeMinutes',
        ],
        [
          'a negative drain timeout',
          { drainTimeoutHours: -1 },
          'drainTimeoutHours',
        ],
        [
          'a tag value that is not a string',
          { tags: { Team: 7 } },
          'tags.Team',
        ],
        ['a name with spaces', { name: 'personal small' }, 'name'],
      ];

      it.each(cases)('%s', async (_case, override, field) => {
        await expect(
          repo.create(templateInput(override)),
        ).rejects.toMatchObject({ constructor: ValidationError, field });
        expect(await names()).toEqual([]);
      });
    });

    describe('list', () => {
      it('orders by name and pages with a cursor without skipping or repeating', async () => {
        for (const name of ['c-tmpl', 'a-tmpl', 'e-tmpl', 'b-tmpl', 'd-tmpl'])
          await repo.create(templateInput({ name }));
        const { items, pages } = await collectPages((cursor) =>
          repo.list({ limit: 2, cursor }),
        );
        expect(items.map((t) => t.name)).toEqual([
          'a-tmpl',
          'b-tmpl',
          'c-tmpl',
          'd-tmpl',
          'e-tmpl',
        ]);
        expect(pages).toBe(3);
      });

      it('filters by licence type and region', async () => {
        await repo.create(templateInput({ name: 'p-east' }));
        await repo.create(
          templateInput({
            name: 'e-east',
            licenseType: 'ENTERPRISE',
            maxNodes: 500,
          }),
        );
        await repo.create(
          templateInput({
            name: 'e-west',
            licenseType: 'ENTERPRISE',
            maxNodes: 500,
            region: 'us-west-2',
          }),
        );
        expect(
          (await repo.list({ licenseType: 'ENTERPRISE' })).items.map(
            (t) => t.name,
          ),
        ).toEqual(['e-east', 'e-west']);
        expect(
          (await repo.list({ region: 'us-west-2' })).items.map((t) => t.name),
        ).toEqual(['e-west']);
      });

      it('listAll reads every page, in name order, with the same filters', async () => {
        for (const name of ['c-tmpl', 'a-tmpl', 'e-tmpl', 'b-tmpl', 'd-tmpl'])
          await repo.create(templateInput({ name }));
        await repo.create(
          templateInput({ name: 'w-tmpl', region: 'us-west-2' }),
        );
        const all = [
          'a-tmpl',
          'b-tmpl',
          'c-tmpl',
          'd-tmpl',
          'e-tmpl',
          'w-tmpl',
        ];
        expect(
          (await repo.listAll({ pageSize: 2 })).map((t) => t.name),
        ).toEqual(all);
        expect(
          (await repo.listAll({ pageSize: 6 })).map((t) => t.name),
        ).toEqual(all);
        expect((await repo.listAll()).map((t) => t.name)).toEqual(all);
        expect(
          (await repo.listAll({ region: 'us-west-2', pageSize: 1 })).map(
            (t) => t.name,
          ),
        ).toEqual(['w-tmpl']);
        await expect(repo.listAll({ pageSize: 0 })).rejects.toBeInstanceOf(
          ValidationError,
        );
      });
    });

    describe('update', () => {
      it('changes only the given fields, keeps id, createdAt and isSeeded, and moves updatedAt forward', async () => {
        const created = await repo.create(templateInput());
        await clock.advance(5_000);
        const updated = await repo.update(created.id, {
          maxNodes: 10,
          capacity: { cpuCores: 24, memoryGb: 96, storageGb: 250 },
        });
        expect(updated).toEqual({
          ...created,
          maxNodes: 10,
          capacity: { cpuCores: 24, memoryGb: 96, storageGb: 250 },
          updatedAt: clock.iso(),
        });
        expect(await repo.getById(created.id)).toEqual(updated);
      });

      it('moves updatedAt forward even when the clock has not moved', async () => {
        const created = await repo.create(templateInput());
        const first = await repo.update(created.id, { description: 'one' });
        const second = await repo.update(created.id, { description: 'two' });
        expect(Date.parse(first.updatedAt)).toBeGreaterThan(
          Date.parse(created.updatedAt),
        );
        expect(Date.parse(second.updatedAt)).toBeGreaterThan(
          Date.parse(first.updatedAt),
        );
      });

      it('replaces the tags but always keeps ManagedBy: lcm', async () => {
        const created = await repo.create(templateInput());
        expect(
          (await repo.update(created.id, { tags: { Owner: 'ops' } })).tags,
        ).toEqual({ Owner: 'ops', ManagedBy: 'lcm' });
      });

      it('clears the image name with null', async () => {
        const created = await repo.create(templateInput());
        const updated = await repo.update(created.id, { amiName: null });
        expect(updated).not.toHaveProperty('amiName');
        expect(await repo.getById(created.id)).not.toHaveProperty('amiName');
      });

      it('refuses to rename a template', async () => {
        const created = await repo.create(templateInput());
        await expect(
          repo.update(created.id, { name: 'renamed' } as never),
        ).rejects.toMatchObject({ field: 'name' });
      });

      it('validates the merged result and leaves the stored template unchanged when it is invalid', async () => {
        const created = await repo.create(templateInput());
        await expect(
          repo.update(created.id, { portRange: { start: 9999, end: 2000 } }),
        ).rejects.toMatchObject({ field: 'portRange' });
        await expect(
          repo.update(created.id, { amiPattern: 'CML-3.*' }),
        ).rejects.toMatchObject({ field: 'amiName' });
        expect(await repo.getById(created.id)).toEqual(created);
      });

      it('applies concurrent patches one after the other, losing neither', async () => {
        const created = await repo.create(templateInput());
        await Promise.all([
          repo.update(created.id, { description: 'patched' }),
          repo.update(created.id, { maxNodes: 12 }),
        ]);
        expect(await repo.getById(created.id)).toMatchObject({
          description: 'patched',
          maxNodes: 12,
        });
      });

      it('reports an unknown id as NotFoundError', async () => {
        await expect(
          repo.update('nope', { maxNodes: 3 }),
        ).rejects.toBeInstanceOf(NotFoundError);
      });
    });

    describe('delete', () => {
      it('deletes a template no worker uses', async () => {
        const created = await repo.create(templateInput());
        await repo.delete(created.id, { inUse: false });
        await expect(repo.getById(created.id)).rejects.toBeInstanceOf(
          NotFoundError,
        );
      });

      it('refuses with InUseError while a worker uses the template, and keeps it', async () => {
        const created = await repo.create(templateInput());
        await expect(
          repo.delete(created.id, { inUse: true }),
        ).rejects.toBeInstanceOf(InUseError);
        expect(await repo.getById(created.id)).toEqual(created);
      });

      it('reports an unknown id as NotFoundError', async () => {
        await expect(
          repo.delete('nope', { inUse: false }),
        ).rejects.toBeInstanceOf(NotFoundError);
      });
    });

    describe('seeding (create-only, docs/decisions/0010-create-only-template-seeding.md)', () => {
      it('seeds the shipped file: personal-standard and enterprise-large, marked as seeded', async () => {
        const result = await repo.seedFromFile(defaultWorkerTemplatesPath());
        expect(result).toEqual({
          created: ['personal-standard', 'enterprise-large'],
          skipped: [],
        });
        expect(await repo.getByName('personal-standard')).toMatchObject({
          isSeeded: true,
          instanceType: 'm5zn.metal',
          capacity: { cpuCores: 48, memoryGb: 192, storageGb: 500 },
          licenseType: 'PERSONAL',
          maxNodes: 20,
          amiPattern: 'CML-2.9.*',
          startupTimeMinutes: 20,
          portRange: { start: 2000, end: 9999 },
          drainTimeoutHours: 4,
          tags: expect.objectContaining({ ManagedBy: 'lcm' }),
        });
        expect(await repo.getByName('enterprise-large')).toMatchObject({
          licenseType: 'ENTERPRISE',
          maxNodes: 500,
          isSeeded: true,
        });
      });

      it('reads snake_case keys, flat port_range_start/end and tag keys verbatim', async () => {
        await repo.seedFromYaml(SNAKE_CASE_SEED);
        expect(await repo.getByName('enterprise-large')).toMatchObject({
          capacity: { cpuCores: 48, memoryGb: 192, storageGb: 1000 },
          portRange: { start: 2000, end: 9999 },
          drainTimeoutHours: 6,
          tags: { 'cost.center': 'labs', ManagedBy: 'lcm' },
        });
      });

      it('reads camelCase keys alike', async () => {
        const camel = `templates:\n  - ${JSON.stringify({ ...templateInput(), name: 'camel-one' })}\n`;
        expect(await repo.seedFromYaml(camel)).toEqual({
          created: ['camel-one'],
          skipped: [],
        });
        expect(await repo.getByName('camel-one')).toMatchObject({
          amiName: 'CML-2.9.1',
          isSeeded: true,
        });
      });

      it('never overwrites an edited template and creates nothing on a second run', async () => {
        await repo.seedFromYaml(SNAKE_CASE_SEED);
        const personal = await repo.getByName('personal-standard');
        const edited = await repo.update(personal.id, {
          maxNodes: 10,
          description: 'edited by an admin',
        });
        const again = await repo.seedFromYaml(SNAKE_CASE_SEED);
        expect(again).toEqual({
          created: [],
          skipped: ['personal-standard', 'enterprise-large'],
        });
        expect(await repo.getByName('personal-standard')).toEqual(edited);
        expect(await names()).toEqual([
          'enterprise-large',
          'personal-standard',
        ]);
      });

      it('creates each template once when two seeders run at the same time', async () => {
        const results = await Promise.all([
          repo.seedFromYaml(SNAKE_CASE_SEED),
          repo.seedFromYaml(SNAKE_CASE_SEED),
        ]);
        expect(results.flatMap((r) => r.created).sort()).toEqual([
          'enterprise-large',
          'personal-standard',
        ]);
        expect(results.flatMap((r) => r.skipped).sort()).toEqual([
          'enterprise-large',
          'personal-standard',
        ]);
        expect(await names()).toEqual([
          'enterprise-large',
          'personal-standard',
        ]);
      });

      it('refuses the whole file when one entry is invalid, naming it, and writes nothing', async () => {
        const broken = SNAKE_CASE_SEED.replace(
          'port_range_end: 9999',
          'port_range_end: 1500',
        );
        await expect(repo.seedFromYaml(broken)).rejects.toMatchObject({
          constructor: ValidationError,
          field: 'templates[1].portRange',
        });
        expect(await names()).toEqual([]);
      });

      it('refuses unknown keys (a typo in the file fails start-up) and repeated names', async () => {
        await expect(
          repo.seedFromYaml(
            SNAKE_CASE_SEED.replace('max_nodes: 20', 'max_node: 20'),
          ),
        ).rejects.toMatchObject({ field: 'templates[0].max_node' });
        const twice = `templates:\n  - ${JSON.stringify(templateInput())}\n  - ${JSON.stringify(templateInput())}\n`;
        await expect(repo.seedFromYaml(twice)).rejects.toMatchObject({
          field: 'templates[1].name',
        });
        expect(await names()).toEqual([]);
      });

      it('treats an empty file as no templates and a missing file as a ValidationError', async () => {
        expect(await repo.seedFromYaml('')).toEqual({
          created: [],
          skipped: [],
        });
        await expect(
          repo.seedFromFile('/no/such/worker-templates.yaml'),
        ).rejects.toMatchObject({ field: 'seedFile' });
      });

      it('seeds from a file on disk', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'lcm-seed-'));
        try {
          const path = join(dir, 'worker-templates.yaml');
          writeFileSync(
            path,
            readFileSync(defaultWorkerTemplatesPath(), 'utf8').replace(
              /personal-standard/g,
              'from-disk',
            ),
          );
          expect((await repo.seedFromFile(path)).created).toContain(
            'from-disk',
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  });
}
