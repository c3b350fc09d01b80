import {
  ALL_EVENT_TYPES,
  CONSUMED_EVENT_TYPES,
  EVENT_TYPES,
  type EventType,
} from '@lcm/domain';
import { EVENT_CATALOG, catalogEntryFor } from './event-catalog';

describe('EVENT_CATALOG', () => {
  it('has an entry for every type in EVENT_TYPES and nothing else', () => {
    expect(Object.keys(EVENT_CATALOG).sort()).toEqual(
      [...Object.values(EVENT_TYPES)].sort(),
    );
    expect(Object.keys(EVENT_CATALOG)).toHaveLength(35);
  });

  it.each(ALL_EVENT_TYPES)(
    '%s: the entry names its own type, a data class and a description',
    (type) => {
      const entry = EVENT_CATALOG[type];
      expect(entry.type).toBe(type);
      expect(typeof entry.dataClass).toBe('function');
      expect(entry.description.length).toBeGreaterThan(10);
    },
  );

  it('every data class is its own folder’s class (no class serves two types)', () => {
    const classes = ALL_EVENT_TYPES.map(
      (type) => EVENT_CATALOG[type].dataClass,
    );
    expect(new Set(classes).size).toBe(classes.length);
  });

  it('consumed types come from outside, emitted ones from an lcm service', () => {
    for (const type of ALL_EVENT_TYPES) {
      const consumed = (CONSUMED_EVENT_TYPES as readonly EventType[]).includes(
        type,
      );
      expect([type, EVENT_CATALOG[type].source === 'external']).toEqual([
        type,
        consumed,
      ]);
      if (!consumed)
        expect(EVENT_CATALOG[type].source).toMatch(
          /^lcm\/(api|scheduler|controller)$/,
        );
    }
  });

  it('catalogEntryFor finds known types and answers undefined for others', () => {
    expect(catalogEntryFor('lcm.worker.draining')?.type).toBe(
      'lcm.worker.draining',
    );
    expect(catalogEntryFor('lcm.worker.exploded')).toBeUndefined();
    expect(catalogEntryFor('')).toBeUndefined();
  });
});
