import { ValidationError } from '../errors';
import { buildGradingPod } from './grading-pod';
import { readLabYamlNodes } from './lab-yaml-nodes';

// The sample lab of docs/lab-yaml.md#the-sample-lab, already rewritten.
const SAMPLE = `annotations:
  - type: text
    text_content: hello
lab:
  title: DEVASC_200-901_LAB-2.5.1
  version: 0.3.0
links:
  - id: l0
    n1: n0
    n2: n1
nodes:
  - id: n0
    label: vmanage-mock
    node_definition: mock-server
    configuration: |
      serial:9999 is not a tag
    tags:
      - serial:5041
  - id: n1
    label: ubuntu-desktop
    node_definition: ubuntu-desktop-24-04-v2
    tags:
      - serial:5042
      - vnc:5044
  - id: n2
    label: "switch"
    tags: []
smart_annotations:
  - tag: serial:5041
    label: serial:5041
`;

describe('readLabYamlNodes', () => {
  it('reads id, label and tags of every node', () => {
    expect(readLabYamlNodes(SAMPLE)).toEqual([
      { id: 'n0', label: 'vmanage-mock', tags: ['serial:5041'] },
      { id: 'n1', label: 'ubuntu-desktop', tags: ['serial:5042', 'vnc:5044'] },
      { id: 'n2', label: 'switch', tags: [] },
    ]);
  });

  it('reads flow-style tags, compact block sequences and top-level dashes', () => {
    const yaml = `nodes:
- id: a
  label: 'A'
  tags: [serial:1, "vnc:2"]
- id: b
  label: B
  tags:
  - serial:3
lab: {}
`;
    expect(readLabYamlNodes(yaml)).toEqual([
      { id: 'a', label: 'A', tags: ['serial:1', 'vnc:2'] },
      { id: 'b', label: 'B', tags: ['serial:3'] },
    ]);
  });

  it('returns nothing for a YAML without nodes', () => {
    expect(readLabYamlNodes('lab:\n  title: x\n')).toEqual([]);
  });
});

describe('buildGradingPod', () => {
  it('builds one device per node with a console or VNC, on the worker host', () => {
    const pod = buildGradingPod({ id: 'i-1' }, SAMPLE, 'w1.example');
    expect(pod).toEqual({
      id: 'i-1',
      devices: [
        {
          label: 'vmanage-mock',
          hostname: 'vmanage-mock',
          collector: 'lcm',
          interfaces: [
            {
              name: 'console-vmanage-mock',
              protocol: 'console',
              host: 'w1.example',
              port: 5041,
              authentication: { scheme: 'none', properties: {} },
              configuration: {},
            },
          ],
        },
        {
          label: 'ubuntu-desktop',
          hostname: 'ubuntu-desktop',
          collector: 'lcm',
          interfaces: [
            expect.objectContaining({
              name: 'console-ubuntu-desktop',
              protocol: 'console',
              port: 5042,
            }),
            expect.objectContaining({
              name: 'vnc-ubuntu-desktop',
              protocol: 'vnc',
              port: 5044,
              authentication: { scheme: 'vnc_password', properties: {} },
            }),
          ],
        },
      ],
    });
  });

  it('leaves out nodes with no console or VNC tag', () => {
    const pod = buildGradingPod({ id: 'i-1' }, SAMPLE, 'h');
    expect(pod.devices.map((d) => d.label)).not.toContain('switch');
  });

  it('refuses YAML that still holds placeholders (the Pod must come from the rewritten YAML)', () => {
    expect(() =>
      buildGradingPod(
        { id: 'i-1' },
        'nodes:\n  - label: a\n    tags:\n      - serial:${PORT_SERIAL_1}\n',
        'h',
      ),
    ).toThrow(ValidationError);
  });

  it('needs a worker host', () => {
    expect(() => buildGradingPod({ id: 'i-1' }, SAMPLE, ' ')).toThrow(
      ValidationError,
    );
  });

  it('names a second console on one node distinctly', () => {
    const pod = buildGradingPod(
      { id: 'i' },
      'nodes:\n  - label: r1\n    tags: [serial:1, serial:2]\n',
      'h',
    );
    expect(pod.devices[0].interfaces.map((i) => i.name)).toEqual([
      'console-r1',
      'console-r1-2',
    ]);
  });
});
