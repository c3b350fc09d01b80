import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryDocStore } from '@lcm/doc-store';
import { MemoryStateStore } from '@lcm/state-store';
import {
  addRunningWorker,
  ApiHarness,
  startTestApi,
  templateBody,
} from '../../test/api-harness';

describe('worker templates', () => {
  it('are seeded at start-up, create-only: a restart neither duplicates them nor undoes edits', async () => {
    const state = new MemoryStateStore();
    const docs = await MemoryDocStore.open();
    const first = await startTestApi({ state, docs });
    const admin = await first.token('admin');
    const seeded = await first.call('GET', '/api/v1/templates', {
      token: admin,
    });
    expect(
      seeded.json.items.map((t: { name: string; isSeeded: boolean }) => [
        t.name,
        t.isSeeded,
      ]),
    ).toEqual([
      ['enterprise-large', true],
      ['personal-standard', true],
    ]);
    const personal = seeded.json.items[1];
    expect(
      (
        await first.call('PUT', `/api/v1/templates/${personal.id}`, {
          token: admin,
          body: { description: 'edited', drainTimeoutHours: 6 },
        })
      ).status,
    ).toBe(200);
    await first.close();
    const second = await startTestApi({ state, docs });
    const after = await second.call('GET', '/api/v1/templates', {
      token: admin,
    });
    expect(after.json.items).toHaveLength(2);
    expect(after.json.items[1]).toMatchObject({
      id: personal.id,
      description: 'edited',
      drainTimeoutHours: 6,
    });
    await second.close();
    await state.close();
    await docs.close();
  });

  it('are seeded from WORKER_TEMPLATES_CONFIG_PATH when it is set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lcm-templates-'));
    const file = join(dir, 'templates.yaml');
    writeFileSync(
      file,
      'templates:\n  - name: lab-eu\n    instance_type: m5zn.metal\n    capacity: {cpu_cores: 48, memory_gb: 192, storage_gb: 500}\n    license_type: ENTERPRISE\n    max_nodes: 500\n    ami_pattern: CML-2.9.*\n    region: eu-west-1\n    startup_time_minutes: 20\n    port_range: {start: 2000, end: 9999}\n',
    );
    const h = await startTestApi({
      env: { WORKER_TEMPLATES_CONFIG_PATH: file },
    });
    try {
      const listed = await h.call('GET', '/api/v1/templates', {
        token: await h.token('viewer'),
      });
      expect(listed.json.items.map((t: { name: string }) => t.name)).toEqual([
        'lab-eu',
      ]);
    } finally {
      await h.close();
    }
  });

  describe('CRUD (admin)', () => {
    let h: ApiHarness;
    let admin: string;
    beforeEach(async () => {
      h = await startTestApi();
      admin = await h.token('admin');
    });
    afterEach(() => h.close());

    it('creates (isSeeded false, ManagedBy tag), refuses a duplicate name, updates, refuses a rename, deletes', async () => {
      const created = await h.call('POST', '/api/v1/templates', {
        token: admin,
        body: templateBody({ tags: { Team: 'labs' } }),
      });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({
        name: 'small-personal',
        isSeeded: false,
        drainTimeoutHours: 4,
        tags: { Team: 'labs', ManagedBy: 'lcm' },
      });
      expect(
        (
          await h.call('POST', '/api/v1/templates', {
            token: admin,
            body: templateBody(),
          })
        ).status,
      ).toBe(409);
      const updated = await h.call(
        'PUT',
        `/api/v1/templates/${created.json.id}`,
        {
          token: admin,
          body: { capacity: { cpuCores: 16, memoryGb: 64, storageGb: 200 } },
        },
      );
      expect(updated.status).toBe(200);
      expect(updated.json).toMatchObject({
        name: 'small-personal',
        capacity: { cpuCores: 16 },
      });
      const renamed = await h.call(
        'PUT',
        `/api/v1/templates/${created.json.id}`,
        { token: admin, body: { name: 'other-name' } },
      );
      expect(renamed.status).toBe(422);
      expect(renamed.json.errors).toEqual([
        expect.objectContaining({ field: 'name' }),
      ]);
      expect(
        (
          await h.call('GET', `/api/v1/templates/${created.json.id}`, {
            token: admin,
          })
        ).json.capacity.cpuCores,
      ).toBe(16);
      expect(
        (
          await h.call('DELETE', `/api/v1/templates/${created.json.id}`, {
            token: admin,
          })
        ).status,
      ).toBe(204);
      expect(
        (
          await h.call('GET', `/api/v1/templates/${created.json.id}`, {
            token: admin,
          })
        ).status,
      ).toBe(404);
    });

    it('refuses to delete a template a worker uses (409), allows it once no live worker does', async () => {
      const personal = (
        await h.call('GET', '/api/v1/templates?licenseType=PERSONAL', {
          token: admin,
        })
      ).json.items[0];
      await addRunningWorker(h, { templateName: personal.name });
      const refused = await h.call(
        'DELETE',
        `/api/v1/templates/${personal.id}`,
        { token: admin },
      );
      expect(refused.status).toBe(409);
      expect(refused.json.type).toBe('urn:lcm:problem:in-use');
      const enterprise = (
        await h.call('GET', '/api/v1/templates?licenseType=ENTERPRISE', {
          token: admin,
        })
      ).json.items[0];
      expect(
        (
          await h.call('DELETE', `/api/v1/templates/${enterprise.id}`, {
            token: admin,
          })
        ).status,
      ).toBe(204);
    });

    describe('EC2 launch settings', () => {
      const ec2 = {
        amiId: 'ami-0123456789abcdef0',
        amiOwner: '123456789012',
        subnetIds: ['subnet-0123456789abcdef0', 'subnet-89abcdef'],
        securityGroupIds: ['sg-0123456789abcdef0'],
        keyName: 'lcm-workers',
        iamInstanceProfile:
          'arn:aws:iam::123456789012:instance-profile/lcm-worker',
        rootVolumeGb: 500,
        userData: '#cloud-config\nhostname: cml\n',
      };

      it('are taken on create and update and read back as given', async () => {
        const created = await h.call('POST', '/api/v1/templates', {
          token: admin,
          body: templateBody({ ec2 }),
        });
        expect(created.status).toBe(201);
        expect(created.json.ec2).toEqual(ec2);
        const id = created.json.id as string;
        expect(
          (await h.call('GET', `/api/v1/templates/${id}`, { token: admin }))
            .json.ec2,
        ).toEqual(ec2);
        const updated = await h.call('PUT', `/api/v1/templates/${id}`, {
          token: admin,
          body: { ec2: { amiOwner: 'self', rootVolumeGb: 64 } },
        });
        expect(updated.status).toBe(200);
        expect(updated.json.ec2).toEqual({
          amiOwner: 'self',
          rootVolumeGb: 64,
        });
        expect(
          (await h.call('GET', `/api/v1/templates/${id}`, { token: admin }))
            .json.ec2,
        ).toEqual({ amiOwner: 'self', rootVolumeGb: 64 });
      });

      it.each([
        ['a bad image id', { amiId: 'ami-xyz' }, 'ec2.amiId'],
        ['an unknown owner', { amiOwner: 'someone' }, 'ec2.amiOwner'],
        ['no subnet', { subnetIds: [] }, 'ec2.subnetIds'],
        [
          'a security group as subnet',
          { subnetIds: ['sg-0123456789abcdef0'] },
          'ec2.subnetIds',
        ],
        [
          'six security groups',
          { securityGroupIds: Array(6).fill('sg-01234567') },
          'ec2.securityGroupIds',
        ],
        [
          'a role ARN',
          { iamInstanceProfile: 'arn:aws:iam::1:role/x' },
          'ec2.iamInstanceProfile',
        ],
        ['a 4 GB root volume', { rootVolumeGb: 4 }, 'ec2.rootVolumeGb'],
        ['a 17 TB root volume', { rootVolumeGb: 17_000 }, 'ec2.rootVolumeGb'],
        [
          '17 KiB of user data',
          { userData: 'x'.repeat(17 * 1024) },
          'ec2.userData',
        ],
        ['an unknown setting', { spotPrice: '0.5' }, 'ec2.spotPrice'],
      ])(
        'refuses %s with 400 naming the field, and changes nothing',
        async (_what, bad, field) => {
          const before = await h.call('GET', '/api/v1/templates', {
            token: admin,
          });
          for (const reply of [
            await h.call('POST', '/api/v1/templates', {
              token: admin,
              body: templateBody({ name: 'bad-ec2', ec2: bad }),
            }),
            await h.call(
              'PUT',
              `/api/v1/templates/${before.json.items[0].id as string}`,
              { token: admin, body: { ec2: bad } },
            ),
          ]) {
            expect(reply.status).toBe(400);
            expect(reply.headers.get('content-type')).toContain(
              'application/problem+json',
            );
            const fields = (
              (reply.json.errors ?? []) as { field: string }[]
            ).map((e) => e.field);
            expect(fields.some((f) => f.startsWith(field))).toBe(true);
          }
          expect(
            (await h.call('GET', '/api/v1/templates', { token: admin })).json,
          ).toEqual(before.json);
        },
      );
    });

    it('refuses an invalid merged template (422): a PERSONAL licence with more than 20 nodes, a reversed port range', async () => {
      expect(
        (
          await h.call('POST', '/api/v1/templates', {
            token: admin,
            body: templateBody({ maxNodes: 50 }),
          })
        ).status,
      ).toBe(422);
      expect(
        (
          await h.call('POST', '/api/v1/templates', {
            token: admin,
            body: templateBody({ portRange: { start: 3000, end: 2000 } }),
          })
        ).status,
      ).toBe(422);
    });
  });
});
