import { createHash } from 'node:crypto';
import { ValidationError, type NewLabletDefinition } from '@lcm/domain';
import {
  DuplicateError,
  NotFoundError,
  type LabletDefinitionRepository,
} from '../../src';
import { ManualClock } from '@lcm/domain';
import {
  collectPages,
  definitionInput,
  labYaml,
  type RepositoryFactory,
} from './fixtures';

const MIB = 1024 * 1024;

/** A YAML mapping of exactly `bytes` UTF-8 bytes (with the sample's placeholders). */
function yamlOfSize(bytes: number): string {
  const head = `${labYaml()}notes: `;
  return head + 'x'.repeat(bytes - Buffer.byteLength(head) - 1) + '\n';
}

/**
 * The behaviour every LabletDefinitionRepository driver must have. Runs unchanged against the
 * memory driver (unit) and the mongo driver (integration, real MongoDB wire protocol).
 */
export function describeDefinitionRepositoryContract(
  driver: string,
  factory: RepositoryFactory<LabletDefinitionRepository>,
): void {
  describe(`LabletDefinitionRepository contract (${driver})`, () => {
    let clock: ManualClock;
    let repo: LabletDefinitionRepository;

    beforeEach(async () => {
      clock = new ManualClock();
      repo = await factory({ clock });
    });

    async function expectNothingStored(): Promise<void> {
      expect((await repo.list()).items).toEqual([]);
    }

    async function expectValidationError(
      input: unknown,
      field: string,
      register = false,
    ): Promise<void> {
      const attempt = register
        ? repo.registerVersion(input as NewLabletDefinition)
        : repo.create(input as NewLabletDefinition);
      const error = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe(field);
    }

    describe('create', () => {
      it('stores a version with a generated id, the sha256 of its YAML and the time of creation', async () => {
        const created = await repo.create(definitionInput());
        expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(created.labYamlHash).toBe(
          `sha256:${createHash('sha256').update(labYaml()).digest('hex')}`,
        );
        expect(created).toMatchObject({
          name: 'DEVASC_200-901_LAB',
          version: '1.0.0',
          createdAt: clock.iso(),
          deprecated: false,
          instantiationAllowanceMinutes: 5,
        });
        expect(await repo.getById(created.id)).toEqual(created);
      });

      it('computes the YAML hash itself and ignores one given by the caller', async () => {
        const created = await repo.create({
          ...definitionInput(),
          labYamlHash: 'sha256:forged',
        } as NewLabletDefinition);
        expect(created.labYamlHash).not.toBe('sha256:forged');
        expect((await repo.getById(created.id)).labYamlHash).toBe(
          created.labYamlHash,
        );
      });

      it('keeps optional fields out when they are not given', async () => {
        const {
          description: _d,
          gradingRulesUri: _g,
          warmPoolDepth: _w,
          instantiationAllowanceMinutes: _a,
          ownerNotification: _o,
          ...required
        } = definitionInput();
        const created = await repo.create(required as NewLabletDefinition);
        const stored = await repo.getById(created.id);
        expect(stored).toEqual(created);
        for (const field of [
          'description',
          'gradingRulesUri',
          'warmPoolDepth',
          'instantiationAllowanceMinutes',
          'ownerNotification',
          'deprecatedAt',
          'deprecatedBy',
        ]) {
          expect(stored).not.toHaveProperty(field);
        }
      });

      it('refuses a second (name, version) with DuplicateError', async () => {
        await repo.create(definitionInput());
        await expect(
          repo.create(definitionInput({ labYaml: labYaml(2) })),
        ).rejects.toBeInstanceOf(DuplicateError);
        expect((await repo.list()).items).toHaveLength(1);
      });

      it('allows the same version under another name', async () => {
        await repo.create(definitionInput());
        await expect(
          repo.create(definitionInput({ name: 'ENCOR_LAB' })),
        ).resolves.toMatchObject({ name: 'ENCOR_LAB', version: '1.0.0' });
      });
    });

    describe('lookups', () => {
      it('finds a version by id and by name and version', async () => {
        const v1 = await repo.create(definitionInput());
        const v2 = await repo.create(
          definitionInput({ version: '1.0.1', labYaml: labYaml(2) }),
        );
        expect(await repo.getById(v2.id)).toEqual(v2);
        expect(await repo.getByNameAndVersion(v1.name, '1.0.0')).toEqual(v1);
      });

      it('reports an unknown id, name or version as NotFoundError', async () => {
        await repo.create(definitionInput());
        await expect(
          repo.getById('00000000-0000-4000-8000-000000000000'),
        ).rejects.toBeInstanceOf(NotFoundError);
        await expect(
          repo.getByNameAndVersion('DEVASC_200-901_LAB', '9.9.9'),
        ).rejects.toBeInstanceOf(NotFoundError);
        await expect(repo.getLatest('NO_SUCH_LAB')).rejects.toBeInstanceOf(
          NotFoundError,
        );
      });

      it('refuses a lookup key that is not a string (no query operators through ids)', async () => {
        await expect(
          repo.getById({ $ne: null } as unknown as string),
        ).rejects.toBeInstanceOf(ValidationError);
      });

      it('picks the latest version in semver order, not string order', async () => {
        for (const [i, version] of ['1.9.0', '1.10.0', '1.2.0'].entries()) {
          await repo.create(definitionInput({ version, labYaml: labYaml(i) }));
        }
        expect((await repo.getLatest('DEVASC_200-901_LAB')).version).toBe(
          '1.10.0',
        );
      });

      it('ranks prereleases by semver precedence and below their release', async () => {
        for (const [i, version] of [
          '2.0.0-beta',
          '2.0.0-rc.10',
          '2.0.0-rc.2',
          '1.5.0',
        ].entries()) {
          await repo.create(definitionInput({ version, labYaml: labYaml(i) }));
        }
        expect((await repo.getLatest('DEVASC_200-901_LAB')).version).toBe(
          '2.0.0-rc.10',
        );
        await repo.create(
          definitionInput({ version: '2.0.0', labYaml: labYaml(9) }),
        );
        expect((await repo.getLatest('DEVASC_200-901_LAB')).version).toBe(
          '2.0.0',
        );
      });
    });

    describe('registerVersion (docs/decisions/0012-lab-yaml-inline-versioned-by-hash.md)', () => {
      it('creates 1.0.0 for a new name', async () => {
        const { version: _v, ...input } = definitionInput();
        const result = await repo.registerVersion(input);
        expect(result).toMatchObject({
          created: true,
          previousVersion: null,
          definition: { version: '1.0.0' },
        });
      });

      it('creates the next patch version when the YAML hash changed', async () => {
        await repo.create(definitionInput({ version: '1.2.3' }));
        const result = await repo.registerVersion({
          ...definitionInput(),
          version: undefined,
          labYaml: labYaml(2),
        });
        expect(result).toMatchObject({
          created: true,
          previousVersion: '1.2.3',
          definition: { version: '1.2.4' },
        });
        expect((await repo.getLatest('DEVASC_200-901_LAB')).id).toBe(
          result.definition.id,
        );
      });

      it('returns the latest with created: false when the YAML hash is unchanged', async () => {
        const existing = await repo.create(definitionInput());
        const result = await repo.registerVersion({
          ...definitionInput(),
          version: undefined,
          description: 'other text, same YAML',
        });
        expect(result).toEqual({
          definition: existing,
          created: false,
          previousVersion: '1.0.0',
        });
        expect((await repo.list()).items).toHaveLength(1);
      });

      it('uses a given version', async () => {
        await repo.create(definitionInput());
        const result = await repo.registerVersion({
          ...definitionInput(),
          version: '2.0.0',
          labYaml: labYaml(2),
        });
        expect(result).toMatchObject({
          created: true,
          previousVersion: '1.0.0',
          definition: { version: '2.0.0' },
        });
      });

      it('refuses a given version that already exists with DuplicateError', async () => {
        await repo.create(definitionInput({ version: '1.0.0' }));
        await repo.create(
          definitionInput({ version: '1.1.0', labYaml: labYaml(2) }),
        );
        await expect(
          repo.registerVersion({
            ...definitionInput(),
            version: '1.0.0',
            labYaml: labYaml(3),
          }),
        ).rejects.toBeInstanceOf(DuplicateError);
        await expect(
          repo.registerVersion({
            ...definitionInput(),
            version: '1.1.0',
            labYaml: labYaml(2),
          }),
        ).rejects.toBeInstanceOf(DuplicateError);
      });

      it('bumps the highest version in semver order, not the most recently created', async () => {
        await repo.create(definitionInput({ version: '1.10.0' }));
        await repo.create(
          definitionInput({ version: '1.9.0', labYaml: labYaml(2) }),
        );
        const result = await repo.registerVersion({
          ...definitionInput(),
          version: undefined,
          labYaml: labYaml(3),
        });
        expect(result.definition.version).toBe('1.10.1');
      });

      it('gives concurrent registrations of different YAML distinct versions', async () => {
        await repo.create(definitionInput());
        const results = await Promise.all(
          [2, 3, 4].map((r) =>
            repo.registerVersion({
              ...definitionInput(),
              version: undefined,
              labYaml: labYaml(r),
            }),
          ),
        );
        expect(results.every((r) => r.created)).toBe(true);
        expect(results.map((r) => r.definition.version).sort()).toEqual([
          '1.0.1',
          '1.0.2',
          '1.0.3',
        ]);
      });

      it('creates one version when the same new YAML is registered concurrently', async () => {
        await repo.create(definitionInput());
        const results = await Promise.all(
          [1, 2, 3].map(() =>
            repo.registerVersion({
              ...definitionInput(),
              version: undefined,
              labYaml: labYaml(2),
            }),
          ),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.definition.id)).size).toBe(1);
        expect((await repo.list()).items.map((d) => d.version)).toEqual([
          '1.0.1',
          '1.0.0',
        ]);
      });

      it('validates its input like create, with the version optional', async () => {
        await expectValidationError(
          { ...definitionInput(), version: 'latest' },
          'version',
          true,
        );
        await expectValidationError(
          {
            ...definitionInput(),
            version: undefined,
            labYaml: 'x: ${PORT_NOPE}',
          },
          'labYaml',
          true,
        );
        await expectNothingStored();
      });
    });

    describe('refuses invalid input with a ValidationError naming the field, and writes nothing', () => {
      const cases: [string, Record<string, unknown>, string][] = [
        ['a missing name', { name: undefined }, 'name'],
        ['a name with markup', { name: '<script>alert(1)</script>' }, 'name'],
        ['a 10 000-character name', { name: 'a'.repeat(10_000) }, 'name'],
        ['a version that is not semver', { version: '1.0' }, 'version'],
        ['a version with a v prefix', { version: 'v1.0.0' }, 'version'],
        [
          'a version with build metadata',
          { version: '1.0.0+build.5' },
          'version',
        ],
        ['a lab YAML over 1 MiB', { labYaml: yamlOfSize(MIB + 1) }, 'labYaml'],
        [
          'a lab YAML that does not parse',
          { labYaml: 'lab: [unclosed' },
          'labYaml',
        ],
        [
          'a lab YAML that is not a mapping',
          { labYaml: '- just\n- a list\n' },
          'labYaml',
        ],
        [
          'a placeholder no port matches',
          { labYaml: `${labYaml()}extra: \${PORT_CONSOLE_9}\n` },
          'labYaml',
        ],
        [
          'a lower-case placeholder',
          { labYaml: `${labYaml()}extra: \${PORT_serial_1}\n` },
          'labYaml',
        ],
        [
          'an unknown licence type',
          { licenseAffinity: ['PERSONAL', 'GOLD'] },
          'licenseAffinity[1]',
        ],
        [
          'an empty licence affinity',
          { licenseAffinity: [] },
          'licenseAffinity',
        ],
        [
          'a licence listed twice',
          { licenseAffinity: ['PERSONAL', 'PERSONAL'] },
          'licenseAffinity[1]',
        ],
        ['zero nodes', { nodeCount: 0 }, 'nodeCount'],
        [
          '21 nodes for a PERSONAL-only definition',
          { nodeCount: 21, licenseAffinity: ['PERSONAL'] },
          'nodeCount',
        ],
        ['a fractional node count', { nodeCount: 2.5 }, 'nodeCount'],
        [
          'cpu cores as a string',
          {
            resourceRequirements: {
              cpuCores: '4',
              memoryGb: 8,
              storageGb: 50,
              nestedVirt: true,
            },
          },
          'resourceRequirements.cpuCores',
        ],
        [
          'zero memory',
          {
            resourceRequirements: {
              cpuCores: 4,
              memoryGb: 0,
              storageGb: 50,
              nestedVirt: true,
            },
          },
          'resourceRequirements.memoryGb',
        ],
        [
          'nested virtualisation as a string',
          {
            resourceRequirements: {
              cpuCores: 4,
              memoryGb: 8,
              storageGb: 50,
              nestedVirt: 'yes',
            },
          },
          'resourceRequirements.nestedVirt',
        ],
        [
          'an AMI requirement with neither pattern nor version',
          {
            resourceRequirements: {
              cpuCores: 4,
              memoryGb: 8,
              storageGb: 50,
              nestedVirt: true,
              amiRequirements: [{}],
            },
          },
          'resourceRequirements.amiRequirements[0]',
        ],
        [
          'two ports with one placeholder',
          {
            portTemplate: {
              ports: [
                { name: 'serial_1', protocol: 'tcp' },
                { name: 'SERIAL_1', protocol: 'tcp' },
              ],
            },
          },
          'portTemplate.ports[1].name',
        ],
        [
          'a port protocol other than tcp or udp',
          { portTemplate: { ports: [{ name: 'serial_1', protocol: 'sctp' }] } },
          'portTemplate.ports[0].protocol',
        ],
        [
          'a port template that is not an object',
          { portTemplate: [] },
          'portTemplate',
        ],
        [
          'a zero maximum duration',
          { maxDurationMinutes: 0 },
          'maxDurationMinutes',
        ],
        ['a negative warm pool', { warmPoolDepth: -1 }, 'warmPoolDepth'],
        [
          'a zero instantiation allowance',
          { instantiationAllowanceMinutes: 0 },
          'instantiationAllowanceMinutes',
        ],
        [
          'a webhook that is not http(s)',
          { ownerNotification: { webhookUrl: 'ftp://example.com/x' } },
          'ownerNotification.webhookUrl',
        ],
        [
          'an e-mail that is not one',
          { ownerNotification: { emails: ['not-an-email'] } },
          'ownerNotification.emails[0]',
        ],
        [
          'a grading URI that is not a URI',
          { gradingRulesUri: 'not a uri' },
          'gradingRulesUri',
        ],
        ['a missing creator', { createdBy: '' }, 'createdBy'],
      ];

      it.each(cases)('%s', async (_case, override, field) => {
        await expectValidationError(
          { ...definitionInput(), ...override },
          field,
        );
        await expectNothingStored();
      });

      it('accepts a lab YAML of exactly 1 MiB', async () => {
        const created = await repo.create(
          definitionInput({ labYaml: yamlOfSize(MIB) }),
        );
        expect(
          Buffer.byteLength((await repo.getById(created.id)).labYaml),
        ).toBe(MIB);
      });

      it('accepts 21 nodes when a non-PERSONAL licence is allowed', async () => {
        await expect(
          repo.create(
            definitionInput({
              nodeCount: 21,
              licenseAffinity: ['PERSONAL', 'ENTERPRISE'],
            }),
          ),
        ).resolves.toMatchObject({ nodeCount: 21 });
      });

      it('refuses input that is not an object', async () => {
        await expectValidationError(null, 'definition');
        await expectValidationError('a string', 'definition');
      });
    });

    describe('list', () => {
      async function seedVersions(): Promise<void> {
        const entries: [string, string, string[]][] = [
          ['BETA_LAB', '1.0.0', ['ENTERPRISE']],
          ['ALPHA_LAB', '1.2.0', ['PERSONAL']],
          ['ALPHA_LAB', '1.10.0', ['PERSONAL', 'EVALUATION']],
          ['ALPHA_LAB', '1.10.0-rc.1', ['PERSONAL']],
          ['ALPHA_LAB', '2.0.0', ['ENTERPRISE']],
          ['GAMMA_LAB', '0.1.0', ['EVALUATION']],
          ['BETA_LAB', '1.0.1', ['ENTERPRISE']],
        ];
        for (const [i, [name, version, licenseAffinity]] of entries.entries()) {
          await repo.create(
            definitionInput({
              name,
              version,
              licenseAffinity,
              labYaml: labYaml(i),
            }),
          );
        }
      }

      it('orders by name, then newest version first (semver), and leaves out the lab YAML', async () => {
        await seedVersions();
        const page = await repo.list();
        expect(page.items.map((d) => `${d.name}@${d.version}`)).toEqual([
          'ALPHA_LAB@2.0.0',
          'ALPHA_LAB@1.10.0',
          'ALPHA_LAB@1.10.0-rc.1',
          'ALPHA_LAB@1.2.0',
          'BETA_LAB@1.0.1',
          'BETA_LAB@1.0.0',
          'GAMMA_LAB@0.1.0',
        ]);
        expect(page.nextCursor).toBeNull();
        for (const item of page.items) {
          expect(item).not.toHaveProperty('labYaml');
          expect(item.labYamlHash).toMatch(/^sha256:[0-9a-f]{64}$/);
        }
      });

      it('filters by name, version, licence type and deprecation', async () => {
        await seedVersions();
        const alpha = await repo.list({ name: 'ALPHA_LAB' });
        expect(alpha.items.map((d) => d.version)).toEqual([
          '2.0.0',
          '1.10.0',
          '1.10.0-rc.1',
          '1.2.0',
        ]);
        expect(
          (await repo.list({ version: '1.0.0' })).items.map((d) => d.name),
        ).toEqual(['BETA_LAB']);
        expect(
          (await repo.list({ licenseType: 'EVALUATION' })).items.map(
            (d) => `${d.name}@${d.version}`,
          ),
        ).toEqual(['ALPHA_LAB@1.10.0', 'GAMMA_LAB@0.1.0']);
        await repo.deprecate(alpha.items[0].id, 'admin');
        expect(
          (await repo.list({ deprecated: true })).items.map((d) => d.version),
        ).toEqual(['2.0.0']);
        expect(
          (await repo.list({ name: 'ALPHA_LAB', deprecated: false })).items,
        ).toHaveLength(3);
      });

      it('pages with a cursor, never skipping or repeating an item', async () => {
        await seedVersions();
        const all = (await repo.list()).items.map((d) => d.id);
        for (const limit of [1, 2, 3, 7]) {
          const { items, pages } = await collectPages((cursor) =>
            repo.list({ limit, cursor }),
          );
          expect(items.map((d) => d.id)).toEqual(all);
          expect(pages).toBe(Math.ceil(all.length / limit));
        }
        const filtered = await collectPages((cursor) =>
          repo.list({ name: 'ALPHA_LAB', limit: 3, cursor }),
        );
        expect(filtered.items.map((d) => d.version)).toEqual([
          '2.0.0',
          '1.10.0',
          '1.10.0-rc.1',
          '1.2.0',
        ]);
      });

      it('defaults to 50 per page and refuses a limit outside 1..500 or a foreign cursor', async () => {
        await expect(repo.list({ limit: 0 })).rejects.toMatchObject({
          field: 'limit',
        });
        await expect(repo.list({ limit: 501 })).rejects.toMatchObject({
          field: 'limit',
        });
        await expect(
          repo.list({ cursor: 'not-a-cursor' }),
        ).rejects.toMatchObject({ field: 'cursor' });
        await expect(
          repo.list({ cursor: Buffer.from('["a"]').toString('base64url') }),
        ).rejects.toBeInstanceOf(ValidationError);
        await expect(
          repo.list({ licenseType: 'GOLD' as never }),
        ).rejects.toMatchObject({ field: 'licenseType' });
        await expect(repo.list({ limit: 500 })).resolves.toEqual({
          items: [],
          nextCursor: null,
        });
      });
    });

    describe('deprecate', () => {
      it('marks a version deprecated once and keeps the first time and actor when repeated', async () => {
        const created = await repo.create(definitionInput());
        const first = await repo.deprecate(created.id, 'alice');
        expect(first).toMatchObject({
          changed: true,
          definition: {
            deprecated: true,
            deprecatedBy: 'alice',
            deprecatedAt: clock.iso(),
          },
        });
        await clock.advance(60_000);
        const again = await repo.deprecate(created.id, 'bob');
        expect(again).toEqual({ changed: false, definition: first.definition });
        expect(await repo.getById(created.id)).toEqual(first.definition);
      });

      it('changes nothing else about the version', async () => {
        const created = await repo.create(definitionInput());
        const { definition } = await repo.deprecate(created.id, 'alice');
        const {
          deprecated: _d,
          deprecatedAt: _a,
          deprecatedBy: _b,
          ...rest
        } = definition;
        const { deprecated: _d0, ...before } = created;
        expect(rest).toEqual(before);
      });

      it('reports an unknown id as NotFoundError', async () => {
        await expect(
          repo.deprecate('00000000-0000-4000-8000-000000000000', 'alice'),
        ).rejects.toBeInstanceOf(NotFoundError);
      });

      it('still counts a deprecated version as the latest, so versions keep increasing', async () => {
        const created = await repo.create(
          definitionInput({ version: '1.4.0' }),
        );
        await repo.deprecate(created.id, 'alice');
        expect((await repo.getLatest(created.name)).deprecated).toBe(true);
        const next = await repo.registerVersion({
          ...definitionInput(),
          version: undefined,
          labYaml: labYaml(2),
        });
        expect(next.definition.version).toBe('1.4.1');
      });
    });
  });
}
