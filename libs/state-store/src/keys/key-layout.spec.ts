import { KeyLayout } from './key-layout';

describe('KeyLayout', () => {
  const keys = new KeyLayout();

  it('lays out instance, worker, leader, outbox and cursor keys under the prefix', () => {
    expect(keys.instance('i1')).toBe('/lcm/instances/i1/state');
    expect(keys.instance('i1', 'worker')).toBe('/lcm/instances/i1/worker');
    expect(keys.worker('w1', 'capacity')).toBe('/lcm/workers/w1/capacity');
    expect(keys.worker('w1', 'ports')).toBe('/lcm/workers/w1/ports');
    expect(keys.leader('scheduler')).toBe('/lcm/scheduler/leader');
    expect(keys.event('e1')).toBe('/lcm/events/e1');
    expect(keys.consumer('audit-sink')).toBe('/lcm/consumers/audit-sink');
  });

  it('uses a configured prefix and rejects a malformed one', () => {
    expect(new KeyLayout('/tenant-a/lcm').worker('w')).toBe(
      '/tenant-a/lcm/workers/w/state',
    );
    expect(() => new KeyLayout('lcm/')).toThrow(/invalid etcd key prefix/);
  });

  it('parses record keys back and ignores other keys', () => {
    expect(keys.parse('/lcm/instances/i1/worker')).toEqual({
      kind: 'instance',
      id: 'i1',
      part: 'worker',
    });
    expect(keys.parse('/lcm/workers/w9/ports')).toEqual({
      kind: 'worker',
      id: 'w9',
      part: 'ports',
    });
    expect(keys.parse('/lcm/workers/w9/unknown')).toBeUndefined();
    expect(keys.parse('/lcm/events/x')).toBeUndefined();
  });

  it('refuses ids that would escape their key segment', () => {
    expect(() => keys.instance('a/b')).toThrow(/invalid key segment/);
    expect(() => keys.worker('')).toThrow(/invalid key segment/);
  });
});
