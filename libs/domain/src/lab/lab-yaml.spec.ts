import { ValidationError } from '../errors';
import {
  assertPlaceholdersInPortTemplate,
  extractPortPlaceholders,
} from './lab-yaml-placeholders';
import { rewriteLabYaml } from './rewrite-lab-yaml';

const TEMPLATE_YAML = `lab:
  title: DEVASC_200-901_LAB-2.5.1
  version: 0.3.0
nodes:
  - id: n0
    label: vmanage-mock
    tags:
      - serial:\${PORT_SERIAL_1}
  - id: n1
    label: ubuntu-desktop
    tags:
      - serial:\${PORT_SERIAL_2}
      - vnc:\${PORT_VNC_1}
smart_annotations:
  - tag: serial:\${PORT_SERIAL_1}
    label: serial:\${PORT_SERIAL_1}
  - tag: serial:\${PORT_SERIAL_2}
    label: "console \${PORT_SERIAL_2} / vnc \${PORT_VNC_1}"
`;

const PORTS = { serial_1: 5041, serial_2: 5042, vnc_1: 5044 };

describe('lab YAML placeholders', () => {
  it('lists each placeholder key once, in order of appearance', () => {
    expect(extractPortPlaceholders(TEMPLATE_YAML)).toEqual([
      'SERIAL_1',
      'SERIAL_2',
      'VNC_1',
    ]);
  });

  it('accepts a YAML whose placeholders are all in the port template', () => {
    const ports = Object.keys(PORTS).map((name) => ({
      name,
      protocol: 'tcp' as const,
    }));
    expect(() =>
      assertPlaceholdersInPortTemplate(TEMPLATE_YAML, ports),
    ).not.toThrow();
  });

  it('rejects a YAML with a placeholder the port template lacks', () => {
    expect(() =>
      assertPlaceholdersInPortTemplate(TEMPLATE_YAML, [
        { name: 'serial_1', protocol: 'tcp' },
      ]),
    ).toThrow(/\$\{PORT_SERIAL_2\}, \$\{PORT_VNC_1\}/);
  });
});

describe('rewriteLabYaml', () => {
  it('replaces every placeholder, including several in one string', () => {
    const out = rewriteLabYaml(TEMPLATE_YAML, PORTS);
    expect(out).not.toContain('${PORT_');
    expect(out).toContain('      - serial:5041\n');
    expect(out).toContain('      - vnc:5044\n');
    expect(out).toContain('label: "console 5042 / vnc 5044"');
    expect(out.match(/serial:5041/g)).toHaveLength(3);
  });

  it('keeps everything else byte for byte', () => {
    const out = rewriteLabYaml(TEMPLATE_YAML, PORTS);
    const byHand = TEMPLATE_YAML.split('${PORT_SERIAL_1}')
      .join('5041')
      .split('${PORT_SERIAL_2}')
      .join('5042')
      .split('${PORT_VNC_1}')
      .join('5044');
    expect(out).toBe(byHand);
  });

  it('fails on a placeholder with no allocated port, naming it', () => {
    try {
      rewriteLabYaml(TEMPLATE_YAML, { serial_1: 5041 });
      fail('expected ValidationError');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field: 'labYaml' });
      expect(String((error as Error).message)).toContain(
        '${PORT_SERIAL_2}, ${PORT_VNC_1}',
      );
    }
  });

  it('ignores allocated ports the YAML does not use, and leaves other ${...} text alone', () => {
    expect(rewriteLabYaml('a: ${HOME} ${PORT_X}', { x: 1, y: 2 })).toBe(
      'a: ${HOME} 1',
    );
  });

  it('matches port names to placeholders case-insensitively', () => {
    expect(rewriteLabYaml('${PORT_serial_1}', { SERIAL_1: 7 })).toBe('7');
  });
});
