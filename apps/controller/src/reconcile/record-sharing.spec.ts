import {
  createInstance,
  type InstanceSpec,
  type LabletInstance,
} from '@lcm/domain';
import { RecordSharing } from './record-sharing';

const SPEC: InstanceSpec = {
  requirements: { cpuCores: 4, memoryGb: 8, storageGb: 20, nestedVirt: true },
  licenseAffinity: ['PERSONAL'],
  nodeCount: 2,
  ports: [{ name: 'serial_1', protocol: 'tcp' }],
  labYamlHash: `sha256:${'0'.repeat(64)}`,
  maxDurationMinutes: 240,
} as InstanceSpec;

/** An instance record as the store holds it: JSON text, decoded afresh (new strings and objects). */
function stored(id: string, spec: InstanceSpec = SPEC): string {
  const at = '2026-01-01T10:00:00.000Z';
  const { instance } = createInstance(
    {
      id,
      definitionId: 'def-1',
      definitionName: 'lab',
      definitionVersion: '1.0.0',
      spec,
      ownerId: 'alice',
      timeslotStart: '2026-01-02T10:00:00.000Z',
      timeslotEnd: '2026-01-02T11:00:00.000Z',
    },
    { now: at, triggeredBy: 'bench' },
  );
  return JSON.stringify(instance);
}

const decode = (text: string): LabletInstance =>
  JSON.parse(text) as LabletInstance;

describe('RecordSharing: what instance records repeat is held once', () => {
  it('records of one definition share one spec object; the records stay equal to what was stored', () => {
    const sharing = new RecordSharing();
    const a = sharing.instance(decode(stored('a')));
    const b = sharing.instance(decode(stored('b')));
    expect(b.spec).toBe(a.spec);
    expect(a).toEqual(decode(stored('a')));
    expect(b).toEqual(decode(stored('b')));
    const other = sharing.instance(
      decode(stored('c', { ...SPEC, nodeCount: 3 })),
    );
    expect(other.spec).not.toBe(a.spec);
    expect(other.spec.nodeCount).toBe(3);
  });

  it('shares repeated strings across records and equal instants within a record', () => {
    const sharing = new RecordSharing();
    const first = decode(stored('a'));
    const second = decode(stored('b'));
    // Equal but separate strings, as JSON.parse makes them (a string's identity is not observable
    // in JavaScript: the held copy is the one the first record was given).
    const owner = sharing.string(first.ownerId);
    sharing.instance(first);
    sharing.instance(second);
    expect(sharing.string('alice')).toBe(owner);
    expect(second.ownerId).toBe('alice');
    expect(second.stateHistory[0].at).toBe(second.createdAt);
  });

  it('is bounded: past its limit the tables start over, and sharing resumes', () => {
    const sharing = new RecordSharing(2);
    const a = sharing.instance(decode(stored('a')));
    for (const nodeCount of [3, 4])
      sharing.instance(decode(stored('x', { ...SPEC, nodeCount })));
    const b = sharing.instance(decode(stored('b')));
    const c = sharing.instance(decode(stored('c')));
    expect(b.spec).not.toBe(a.spec);
    expect(c.spec).toBe(b.spec);
  });
});
