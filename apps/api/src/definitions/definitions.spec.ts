import { MemoryDocStore } from '@lcm/doc-store';
import { ManualClock, RegisterDefinitionInput } from '@lcm/domain';
import { MemoryStateStore } from '@lcm/state-store';
import {
  ApiHarness,
  definitionBody,
  LAB_YAML,
  outboxEvents,
  startTestApi,
} from '../../test/api-harness';

const outbox = outboxEvents;

/** A registration written straight to the doc-store (as if the api died before emitting its event). */
const registration = (body: Record<string, unknown>, createdBy: string) =>
  ({ ...body, createdBy }) as unknown as RegisterDefinitionInput;

describe('definitions', () => {
  let h: ApiHarness;
  let admin: string;
  beforeEach(async () => {
    h = await startTestApi();
    admin = await h.token('admin', 'alice');
  });
  afterEach(() => h.close());

  const register = (body: Record<string, unknown>, token = admin) =>
    h.call('POST', '/api/v1/definitions', { token, body });

  it('registers a new name as 1.0.0 (201) and emits lcm.lablet.definition.created with a deterministic id', async () => {
    const created = await register(definitionBody());
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: 'devasc-lab',
      version: '1.0.0',
      createdBy: 'alice',
      deprecated: false,
      labYamlHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    expect(await outbox(h)).toEqual([
      expect.objectContaining({
        id: `${created.json.id}:0:0`,
        type: 'lcm.lablet.definition.created',
        source: 'lcm/api',
        subject: created.json.id,
        time: created.json.createdAt,
        data: expect.objectContaining({
          definitionId: created.json.id,
          name: 'devasc-lab',
          version: '1.0.0',
        }),
      }),
    ]);
  });

  it('answers an unchanged YAML with 200 and the existing version, a changed one with the next patch version (docs/decisions/0012-lab-yaml-inline-versioned-by-hash.md)', async () => {
    const first = await register(definitionBody());
    const again = await register(
      definitionBody({ description: 'same YAML, other words' }),
    );
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(first.json.id);
    const changed = await register(
      definitionBody({ labYaml: `${LAB_YAML}# v2\n` }),
    );
    expect(changed.status).toBe(201);
    expect(changed.json.version).toBe('1.0.1');
    const events = await outbox(h);
    expect(events.map((e) => e.type)).toEqual([
      'lcm.lablet.definition.created',
      'lcm.lablet.definition.version.created',
    ]);
    expect(events[1]).toMatchObject({
      subject: changed.json.id,
      data: {
        oldVersion: '1.0.0',
        newVersion: '1.0.1',
        labYamlHash: changed.json.labYamlHash,
      },
    });
  });

  it('takes an explicit version, and refuses the same version twice (409)', async () => {
    await register(definitionBody());
    const major = await register(
      definitionBody({ version: '2.0.0', labYaml: `${LAB_YAML}# major\n` }),
    );
    expect(major.status).toBe(201);
    expect(major.json.version).toBe('2.0.0');
    const duplicate = await register(
      definitionBody({ version: '2.0.0', labYaml: `${LAB_YAML}# other\n` }),
    );
    expect(duplicate.status).toBe(409);
    expect(duplicate.json).toMatchObject({ type: 'urn:lcm:problem:duplicate' });
  });

  it('refuses placeholders that name no port of the template (422 naming labYaml)', async () => {
    const reply = await register(
      definitionBody({
        labYaml:
          'lab:\n  title: x\nnodes:\n  - tags: ["serial:${PORT_CONSOLE_9}"]\n',
      }),
    );
    expect(reply.status).toBe(422);
    expect(reply.json.errors[0].field).toMatch(/^labYaml/);
  });

  it('takes a declared instantiation allowance, returns it, and copies it into the spec of every instance reserved from the version', async () => {
    const created = await register(
      definitionBody({ instantiationAllowanceMinutes: 5 }),
    );
    expect(created.status).toBe(201);
    expect(created.json.instantiationAllowanceMinutes).toBe(5);
    const got = await h.call('GET', `/api/v1/definitions/${created.json.id}`, {
      token: admin,
    });
    expect(got.json.instantiationAllowanceMinutes).toBe(5);
    const start = Date.now() + 60 * 60_000;
    const reserved = await h.call('POST', '/api/v1/instances', {
      token: admin,
      body: {
        definitionId: created.json.id,
        timeslotStart: new Date(start).toISOString(),
        timeslotEnd: new Date(start + 60 * 60_000).toISOString(),
      },
    });
    expect(reserved.status).toBe(201);
    expect(reserved.json.spec.instantiationAllowanceMinutes).toBe(5);
  });

  it('refuses an instantiation allowance out of 1-240 whole minutes (400 naming the field) and stores nothing', async () => {
    for (const value of [0, 241, 2.5, 'five', -1]) {
      const reply = await register(
        definitionBody({ instantiationAllowanceMinutes: value }),
      );
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toMatch(
        /^application\/problem\+json/,
      );
      expect(reply.json.errors[0].field).toBe('instantiationAllowanceMinutes');
      expect(JSON.stringify(reply.json)).toMatch(/1|240|integer/);
    }
    const listed = await h.call('GET', '/api/v1/definitions', {
      token: admin,
    });
    expect(listed.json.items).toEqual([]);
  });

  it('lists (no labYaml), filters and pages; gets one with its YAML, its versions and a version', async () => {
    const v1 = await register(definitionBody());
    const v2 = await register(definitionBody({ labYaml: `${LAB_YAML}# 2\n` }));
    await register(
      definitionBody({
        name: 'enterprise-lab',
        licenseAffinity: ['ENTERPRISE'],
      }),
    );
    const all = await h.call('GET', '/api/v1/definitions', { token: admin });
    expect(
      all.json.items.map(
        (d: { name: string; version: string }) => `${d.name}@${d.version}`,
      ),
    ).toEqual(['devasc-lab@1.0.1', 'devasc-lab@1.0.0', 'enterprise-lab@1.0.0']);
    expect(all.json.items[0].labYaml).toBeUndefined();
    const page1 = await h.call('GET', '/api/v1/definitions?limit=2', {
      token: admin,
    });
    const page2 = await h.call(
      'GET',
      `/api/v1/definitions?limit=2&cursor=${page1.json.nextCursor}`,
      { token: admin },
    );
    expect(
      [...page1.json.items, ...page2.json.items].map(
        (d: { id: string }) => d.id,
      ),
    ).toEqual(all.json.items.map((d: { id: string }) => d.id));
    expect(page2.json.nextCursor).toBeNull();
    const enterprise = await h.call(
      'GET',
      '/api/v1/definitions?licenseType=ENTERPRISE',
      { token: admin },
    );
    expect(enterprise.json.items.map((d: { name: string }) => d.name)).toEqual([
      'enterprise-lab',
    ]);
    const byVersion = await h.call(
      'GET',
      '/api/v1/definitions?name=devasc-lab&version=1.0.0',
      { token: admin },
    );
    expect(byVersion.json.items.map((d: { id: string }) => d.id)).toEqual([
      v1.json.id,
    ]);

    const one = await h.call('GET', `/api/v1/definitions/${v1.json.id}`, {
      token: await h.token('user'),
    });
    expect(one.json.labYaml).toBe(LAB_YAML);
    const versions = await h.call(
      'GET',
      `/api/v1/definitions/${v1.json.id}/versions`,
      { token: admin },
    );
    expect(
      versions.json.items.map((d: { version: string }) => d.version),
    ).toEqual(['1.0.1', '1.0.0']);
    const version = await h.call(
      'GET',
      `/api/v1/definitions/${v1.json.id}/versions/1.0.1`,
      { token: admin },
    );
    expect(version.json.id).toBe(v2.json.id);
    expect(
      (
        await h.call(
          'GET',
          `/api/v1/definitions/${v1.json.id}/versions/9.9.9`,
          { token: admin },
        )
      ).status,
    ).toBe(404);
  });

  it('deprecates (DELETE) once: the flag, the actor, and one lcm.lablet.definition.deprecated event', async () => {
    const created = await register(definitionBody());
    const manager = await h.token('manager', 'mona');
    const first = await h.call(
      'DELETE',
      `/api/v1/definitions/${created.json.id}`,
      { token: manager },
    );
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      deprecated: true,
      deprecatedBy: 'mona',
    });
    const second = await h.call(
      'DELETE',
      `/api/v1/definitions/${created.json.id}`,
      { token: manager },
    );
    expect(second.status).toBe(200);
    const deprecations = (await outbox(h)).filter(
      (e) => e.type === 'lcm.lablet.definition.deprecated',
    );
    expect(deprecations).toEqual([
      expect.objectContaining({
        id: `${created.json.id}:1:0`,
        subject: created.json.id,
        time: first.json.deprecatedAt,
      }),
    ]);
    const listed = await h.call('GET', '/api/v1/definitions?deprecated=true', {
      token: admin,
    });
    expect(listed.json.items.map((d: { id: string }) => d.id)).toEqual([
      created.json.id,
    ]);
  });
});

describe('a definition event lost between the document and the outbox', () => {
  it('is re-emitted when the same YAML is posted again (a client retry)', async () => {
    const h = await startTestApi();
    try {
      // The document was written, then the api died before the event: only the document exists.
      const { definition } = await h.docs.definitions.registerVersion(
        registration(definitionBody(), 'alice'),
      );
      const retry = await h.call('POST', '/api/v1/definitions', {
        token: await h.token('admin'),
        body: definitionBody(),
      });
      expect(retry.status).toBe(200);
      expect((await outbox(h)).map((e) => e.id)).toEqual([
        `${definition.id}:0:0`,
      ]);
    } finally {
      await h.close();
    }
  });

  it('is re-emitted at start-up for recent definitions, unless the outbox or the audit trail has it', async () => {
    const state = new MemoryStateStore();
    const clock = new ManualClock(Date.now() - 3 * 86_400_000);
    const docs = await MemoryDocStore.open({ clock });
    const old = await docs.definitions.registerVersion(
      registration(definitionBody({ name: 'old-lab' }), 'a'),
    );
    await clock.advanceTo(Date.now());
    const lost = await docs.definitions.registerVersion(
      registration(definitionBody({ name: 'lost-lab' }), 'a'),
    );
    const lostV2 = await docs.definitions.registerVersion(
      registration(
        definitionBody({ name: 'lost-lab', labYaml: `${LAB_YAML}# 2\n` }),
        'a',
      ),
    );
    const audited = await docs.definitions.registerVersion(
      registration(definitionBody({ name: 'audited-lab' }), 'a'),
    );
    await docs.definitions.deprecate(lost.definition.id, 'a');
    await docs.auditEvents.insertMany([
      {
        specversion: '1.0',
        id: `${audited.definition.id}:0:0`,
        source: 'lcm/api',
        type: 'lcm.lablet.definition.created',
        subject: audited.definition.id,
        time: audited.definition.createdAt,
        data: {},
      },
    ]);
    const h = await startTestApi({ state, docs });
    try {
      const events = await outbox(h);
      expect(events.map((e) => `${e.type} ${e.subject}`).sort()).toEqual(
        [
          `lcm.lablet.definition.created ${lost.definition.id}`,
          `lcm.lablet.definition.deprecated ${lost.definition.id}`,
          `lcm.lablet.definition.version.created ${lostV2.definition.id}`,
        ].sort(),
      );
      expect(
        events.find((e) => e.subject === lostV2.definition.id)?.data,
      ).toMatchObject({ oldVersion: '1.0.0', newVersion: '1.0.1' });
      expect(events.some((e) => e.subject === old.definition.id)).toBe(false);
    } finally {
      await h.close();
    }
    // A second start finds everything emitted: nothing is written twice.
    const revision = await state.revision();
    const again = await startTestApi({ state, docs });
    await again.close();
    expect(await state.revision()).toBe(revision);
    await state.close();
    await docs.close();
  });
});
