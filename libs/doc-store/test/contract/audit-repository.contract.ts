import { ManualClock, ValidationError } from '@lcm/domain';
import { type AuditEventRepository, type CloudEvent } from '../../src';
import {
  cloudEvent,
  collectPages,
  DAY_MS,
  type RepositoryFactory,
} from './fixtures';

function at(minute: number, second = 0): string {
  return new Date(Date.UTC(2026, 0, 16, 10, minute, second)).toISOString();
}

/** The behaviour every AuditEventRepository driver must have (memory as unit, mongo as integration). */
export function describeAuditRepositoryContract(
  driver: string,
  factory: RepositoryFactory<AuditEventRepository>,
): void {
  describe(`AuditEventRepository contract (${driver})`, () => {
    let clock: ManualClock;
    let repo: AuditEventRepository;

    beforeEach(async () => {
      clock = new ManualClock();
      repo = await factory({ clock });
    });

    async function allIds(): Promise<string[]> {
      return (await repo.list({ limit: 500 })).items.map((e) => e.id);
    }

    describe('insertMany', () => {
      it('stores a batch and lists it newest first', async () => {
        const events = [
          cloudEvent({ id: 'a', time: at(1) }),
          cloudEvent({ id: 'b', time: at(3) }),
          cloudEvent({ id: 'c', time: at(2) }),
        ];
        expect(await repo.insertMany(events)).toEqual({
          inserted: 3,
          duplicates: 0,
        });
        expect(await allIds()).toEqual(['b', 'c', 'a']);
      });

      it('is idempotent on (source, id): a re-delivered batch is counted as duplicates and stored once', async () => {
        const events = [cloudEvent({ id: 'a' }), cloudEvent({ id: 'b' })];
        await repo.insertMany(events);
        expect(await repo.insertMany(events)).toEqual({
          inserted: 0,
          duplicates: 2,
        });
        expect(await repo.count()).toBe(2);
      });

      it('stores the new events of a batch that also holds re-deliveries', async () => {
        await repo.insertMany([
          cloudEvent({ id: 'a' }),
          cloudEvent({ id: 'c' }),
        ]);
        const result = await repo.insertMany([
          cloudEvent({ id: 'a' }),
          cloudEvent({ id: 'b' }),
          cloudEvent({ id: 'c' }),
          cloudEvent({ id: 'd' }),
        ]);
        expect(result).toEqual({ inserted: 2, duplicates: 2 });
        expect((await allIds()).sort()).toEqual(['a', 'b', 'c', 'd']);
      });

      it('keeps the first of two copies of one event inside a batch', async () => {
        const first = cloudEvent({ id: 'same', subject: 'first' });
        const result = await repo.insertMany([
          first,
          { ...first, subject: 'second' },
        ]);
        expect(result).toEqual({ inserted: 1, duplicates: 1 });
        expect((await repo.list()).items.map((e) => e.subject)).toEqual([
          'first',
        ]);
      });

      it('treats the same id from two sources as two events', async () => {
        const result = await repo.insertMany([
          cloudEvent({ id: 'x', source: 'lcm/api' }),
          cloudEvent({ id: 'x', source: 'lcm/scheduler' }),
        ]);
        expect(result).toEqual({ inserted: 2, duplicates: 0 });
      });

      it('accepts an empty batch', async () => {
        expect(await repo.insertMany([])).toEqual({
          inserted: 0,
          duplicates: 0,
        });
      });

      it('returns each event exactly as given: attributes, extensions and data', async () => {
        const event: CloudEvent = {
          specversion: '1.0',
          id: 'round-trip',
          source: 'lcm/api',
          type: 'lcm.lablet.definition.created',
          subject: 'def-1',
          time: '2026-01-16T10:00:00.123456+01:00',
          datacontenttype: 'application/json',
          dataschema: 'https://lcm.example.com/schemas/definition-created.json',
          traceparent:
            '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
          partitionkey: 'def-1',
          sequence: 42,
          replayed: false,
          data: {
            definitionId: 'def-1',
            name: 'DEVASC',
            version: '1.0.0',
            ports: [{ name: 'serial_1', n: 1.5 }],
            nothing: null,
            nested: { deep: [1, [2, 3]] },
          },
        };
        await repo.insertMany([event]);
        expect((await repo.list()).items).toEqual([event]);
      });

      it('keeps data whose keys contain dots or start with $', async () => {
        const event = cloudEvent({
          id: 'odd-keys',
          data: { 'a.b': 1, $set: { 'x.y': [{ $in: 2 }] }, '': 'empty' },
        });
        await repo.insertMany([event]);
        expect((await repo.list()).items[0].data).toEqual(event.data);
      });

      it('keeps binary data (data_base64) and events without data', async () => {
        const binary = cloudEvent({
          id: 'bin',
          data: undefined,
          data_base64: 'aGVsbG8=',
        });
        delete binary.data;
        const bare = cloudEvent({ id: 'bare', time: at(5) });
        delete bare.data;
        delete bare.datacontenttype;
        await repo.insertMany([binary, bare]);
        expect((await repo.list()).items).toEqual([bare, binary]);
      });
    });

    describe('refuses an invalid event with a ValidationError naming it, and stores nothing of the batch', () => {
      const cases: [string, Partial<Record<string, unknown>>, string][] = [
        [
          'another spec version',
          { specversion: '0.3' },
          'events[1].specversion',
        ],
        ['a missing id', { id: undefined }, 'events[1].id'],
        ['an empty source', { source: '' }, 'events[1].source'],
        ['a missing type', { type: undefined }, 'events[1].type'],
        [
          'a time that is not RFC 3339',
          { time: 'yesterday' },
          'events[1].time',
        ],
        ['a missing time', { time: undefined }, 'events[1].time'],
        [
          'an extension name with capitals',
          { traceParent: 'x' },
          'events[1].traceParent',
        ],
        [
          'an extension value that is an object',
          { tenant: { id: 1 } },
          'events[1].tenant',
        ],
        [
          'data that is not JSON',
          { data: { at: new Date() } },
          'events[1].data.at',
        ],
        [
          'both data and data_base64',
          { data_base64: 'aGk=' },
          'events[1].data_base64',
        ],
      ];

      it.each(cases)('%s', async (_case, override, field) => {
        const bad = { ...cloudEvent(), ...override };
        for (const [key, value] of Object.entries(override))
          if (value === undefined) delete (bad as Record<string, unknown>)[key];
        const error = await repo
          .insertMany([cloudEvent(), bad as CloudEvent])
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe(field);
        expect(await repo.count()).toBe(0);
      });
    });

    describe('list and count', () => {
      async function seedTrail(): Promise<CloudEvent[]> {
        const events = [
          cloudEvent({
            id: 'e1',
            type: 'lcm.lablet.instance.pending',
            source: 'lcm/api',
            subject: 'i-1',
            time: at(0),
          }),
          cloudEvent({
            id: 'e2',
            type: 'lcm.lablet.instance.scheduled',
            source: 'lcm/scheduler',
            subject: 'i-1',
            time: at(1),
          }),
          cloudEvent({
            id: 'e3',
            type: 'lcm.worker.running',
            source: 'lcm/controller',
            subject: 'w-1',
            time: at(2),
          }),
          cloudEvent({
            id: 'e4',
            type: 'lcm.lablet.instance.running',
            source: 'lcm/controller',
            subject: 'i-1',
            time: at(3),
          }),
          cloudEvent({
            id: 'e5',
            type: 'lcm.lablet.instance.pending',
            source: 'lcm/api',
            subject: 'i-2',
            time: at(3),
          }),
          cloudEvent({
            id: 'e6',
            type: 'lcm.lablet.definition.created',
            source: 'lcm/api',
            subject: 'd-1',
            time: at(4),
          }),
          cloudEvent({
            id: 'e7',
            type: 'assessment.grading.completed',
            source: 'grading-engine',
            subject: 'i-1',
            time: at(5),
          }),
        ];
        await repo.insertMany(events);
        return events;
      }

      it('breaks ties on equal time by source, then id, newest first', async () => {
        await repo.insertMany([
          cloudEvent({ id: 'b', source: 'lcm/api', time: at(1) }),
          cloudEvent({ id: 'a', source: 'lcm/api', time: at(1) }),
          cloudEvent({ id: 'z', source: 'lcm/controller', time: at(1) }),
          cloudEvent({ id: 'later', source: 'lcm/api', time: at(2) }),
        ]);
        expect(await allIds()).toEqual(['later', 'z', 'b', 'a']);
      });

      it('lists in commit order, revision then position compared as numbers, before time, source and id', async () => {
        const time = at(1);
        // One millisecond; ids that sort wrong as strings; the clock of a later commit may be behind.
        await repo.insertMany(
          [
            cloudEvent({ id: 'i:10:0', time }),
            cloudEvent({ id: 'i:7:0', time }),
            cloudEvent({ id: 'b:1:10', time }),
            cloudEvent({ id: 'b:1:2', time }),
            cloudEvent({ id: 'late-clock', time: at(0) }),
            cloudEvent({ id: 'uncommitted', time: at(9) }),
          ],
          [
            { revision: 10, position: 0 },
            { revision: 7, position: 0 },
            { revision: 11, position: 10 },
            { revision: 11, position: 2 },
            { revision: 12, position: 0 },
            { revision: 0, position: 0 },
          ],
        );
        await repo.insertMany(
          [cloudEvent({ id: 'i:9:0', time })],
          [{ revision: 9, position: 0 }],
        );
        const expected = [
          'late-clock',
          'b:1:10',
          'b:1:2',
          'i:10:0',
          'i:9:0',
          'i:7:0',
          'uncommitted',
        ];
        expect(await allIds()).toEqual(expected);
        for (const limit of [1, 2, 3]) {
          const { items } = await collectPages((cursor) =>
            repo.list({ limit, cursor }),
          );
          expect(items.map((e) => e.id)).toEqual(expected);
        }
        const filtered = await collectPages((cursor) =>
          repo.list({ from: at(1), to: at(2), limit: 2, cursor }),
        );
        expect(filtered.items.map((e) => e.id)).toEqual([
          'b:1:10',
          'b:1:2',
          'i:10:0',
          'i:9:0',
          'i:7:0',
        ]);
      });

      it('refuses commits that do not match the events (nothing stored)', async () => {
        await expect(
          repo.insertMany(
            [cloudEvent({ id: 'a' }), cloudEvent({ id: 'b' })],
            [{ revision: 1, position: 0 }],
          ),
        ).rejects.toBeInstanceOf(ValidationError);
        await expect(
          repo.insertMany(
            [cloudEvent({ id: 'a' })],
            [{ revision: -1, position: 0 }],
          ),
        ).rejects.toMatchObject({ field: 'commits[0].revision' });
        await expect(
          repo.insertMany(
            [cloudEvent({ id: 'a' })],
            [{ revision: 1, position: 0.5 }],
          ),
        ).rejects.toMatchObject({ field: 'commits[0].position' });
        expect(await repo.count()).toBe(0);
      });

      it('orders by the instant, not the spelling of the time', async () => {
        await repo.insertMany([
          cloudEvent({ id: 'utc', time: '2026-01-16T10:30:00Z' }),
          cloudEvent({ id: 'offset', time: '2026-01-16T11:00:00+01:00' }),
        ]);
        expect(await allIds()).toEqual(['utc', 'offset']);
      });

      it('filters by type, type prefix, subject and source; count agrees with the list', async () => {
        await seedTrail();
        const cases: [Record<string, string>, string[]][] = [
          [{ type: 'lcm.lablet.instance.pending' }, ['e5', 'e1']],
          [{ typePrefix: 'lcm.lablet.instance.' }, ['e4', 'e5', 'e2', 'e1']],
          [{ typePrefix: 'lcm.' }, ['e6', 'e4', 'e5', 'e3', 'e2', 'e1']],
          [
            { typePrefix: 'lcm.lablet.instance.', subject: 'i-1' },
            ['e4', 'e2', 'e1'],
          ],
          [{ subject: 'i-1' }, ['e7', 'e4', 'e2', 'e1']],
          [{ source: 'lcm/api' }, ['e6', 'e5', 'e1']],
          [
            {
              typePrefix: 'lcm.lablet.instance.',
              type: 'lcm.lablet.instance.running',
            },
            ['e4'],
          ],
          [{ typePrefix: 'lcm.lablet.instance.*' }, []],
        ];
        for (const [filter, ids] of cases) {
          expect((await repo.list(filter)).items.map((e) => e.id)).toEqual(ids);
          expect(await repo.count(filter)).toBe(ids.length);
        }
        expect(await repo.count()).toBe(7);
      });

      it('filters by time range: from inclusive, to exclusive', async () => {
        await seedTrail();
        expect(
          (await repo.list({ from: at(3), to: at(5) })).items.map((e) => e.id),
        ).toEqual(['e6', 'e4', 'e5']);
        expect(await repo.count({ from: at(3) })).toBe(4);
        expect(await repo.count({ to: at(1) })).toBe(1);
        expect(
          (
            await repo.list({
              from: '2026-01-16T11:01:00+01:00',
              to: at(3),
              subject: 'i-1',
            })
          ).items.map((e) => e.id),
        ).toEqual(['e2']);
        await expect(repo.list({ from: 'last tuesday' })).rejects.toMatchObject(
          { field: 'from' },
        );
      });

      it('pages with a cursor newest first, never skipping or repeating, also across equal times', async () => {
        const events = Array.from({ length: 23 }, (_, i) =>
          cloudEvent({
            id: `p${String(i).padStart(2, '0')}`,
            time: at(Math.floor(i / 4)),
            source: i % 2 ? 'lcm/api' : 'lcm/controller',
          }),
        );
        await repo.insertMany(events);
        const all = await allIds();
        expect(all).toHaveLength(23);
        for (const limit of [1, 4, 5, 10, 23]) {
          const { items, pages } = await collectPages((cursor) =>
            repo.list({ limit, cursor }),
          );
          expect(items.map((e) => e.id)).toEqual(all);
          expect(pages).toBe(Math.ceil(23 / limit));
        }
        const filtered = await collectPages((cursor) =>
          repo.list({ source: 'lcm/api', limit: 3, cursor }),
        );
        expect(filtered.items.map((e) => e.id)).toEqual(
          all.filter((id) => Number(id.slice(1)) % 2 === 1),
        );
      });

      it('continues a cursor after newer events arrived without repeating what was read', async () => {
        await seedTrail();
        const first = await repo.list({ limit: 3 });
        await repo.insertMany([cloudEvent({ id: 'newest', time: at(59) })]);
        const rest = await collectPages((cursor) =>
          repo.list({ limit: 3, cursor: cursor ?? first.nextCursor }),
        );
        expect([...first.items, ...rest.items].map((e) => e.id)).toEqual([
          'e7',
          'e6',
          'e4',
          'e5',
          'e3',
          'e2',
          'e1',
        ]);
      });

      it('refuses a limit outside 1..500 and a malformed cursor', async () => {
        await expect(repo.list({ limit: 0 })).rejects.toMatchObject({
          field: 'limit',
        });
        await expect(repo.list({ limit: 1000 })).rejects.toMatchObject({
          field: 'limit',
        });
        await expect(repo.list({ cursor: '%%%' })).rejects.toMatchObject({
          field: 'cursor',
        });
      });
    });

    describe('retention', () => {
      it('purgeExpired removes events recorded longer ago than the retention (365 days) and keeps the rest', async () => {
        await repo.insertMany([
          cloudEvent({ id: 'old-1' }),
          cloudEvent({ id: 'old-2' }),
        ]);
        await clock.advance(200 * DAY_MS);
        await repo.insertMany([cloudEvent({ id: 'recent' })]);
        expect(await repo.purgeExpired()).toBe(0);
        await clock.advance(166 * DAY_MS);
        await repo.purgeExpired();
        expect(await allIds()).toEqual(['recent']);
        // Once purged, the same event may be stored again (its dedup record went with it).
        expect(await repo.insertMany([cloudEvent({ id: 'old-1' })])).toEqual({
          inserted: 1,
          duplicates: 0,
        });
      });
    });
  });
}
