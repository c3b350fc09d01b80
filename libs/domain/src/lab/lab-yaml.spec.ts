import { createHash } from 'node:crypto';
import { ValidationError } from '../errors';
import { portPlaceholderKey } from '../values/port-template';
import {
  assertPlaceholdersInPortTemplate,
  extractPortPlaceholders,
  hashLabYaml,
  MAX_LAB_YAML_BYTES,
  validateLabYaml,
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

// Admission of a definition's lab YAML (moved here from libs/doc-store with the definition rules).
describe('lab YAML admission', () => {
  const ports = [
    { name: 'serial_1', protocol: 'tcp' as const },
    { name: 'vnc-1', protocol: 'tcp' as const },
  ];

  it('hashes the UTF-8 text as sha256:<hex>', () => {
    const text = 'lab:\n  title: Ünïcode\n';
    expect(hashLabYaml(text)).toBe(
      `sha256:${createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex')}`,
    );
    expect(hashLabYaml(text)).not.toBe(hashLabYaml(`${text} `));
  });

  it('derives the placeholder key from the port name: upper case, other characters as _', () => {
    expect(portPlaceholderKey('serial_1')).toBe('SERIAL_1');
    expect(portPlaceholderKey('vnc-1')).toBe('VNC_1');
  });

  it('finds every distinct placeholder, several per line included', () => {
    expect(
      extractPortPlaceholders(
        'a: ${PORT_A} ${PORT_B}\nb: ${PORT_A}\nc: ${OTHER}\n',
      ),
    ).toEqual(['A', 'B']);
  });

  it('accepts placeholders that name template ports', () => {
    expect(() =>
      validateLabYaml(
        'nodes:\n  - tags:\n      - serial:${PORT_SERIAL_1}\n      - "vnc:${PORT_VNC_1}"\n',
        ports,
      ),
    ).not.toThrow();
  });

  it('refuses a placeholder with no port, naming the placeholder', () => {
    expect(() => validateLabYaml('x: ${PORT_SERIAL_2}\n', ports)).toThrow(
      /\$\{PORT_SERIAL_2\} matches no port/,
    );
  });

  it('refuses a placeholder whose key could never be a port name, which the rewrite could not fill either', () => {
    expect(() => validateLabYaml('x: ${PORT_vnc-1}\n', ports)).toThrow(
      /\$\{PORT_vnc-1\} matches no port/,
    );
    expect(() => rewriteLabYaml('x: ${PORT_vnc-1}\n', { vnc_1: 5044 })).toThrow(
      ValidationError,
    );
  });

  it('admits only the upper-case key a port name gives, though the rewrite fills any case', () => {
    expect(() => validateLabYaml('x: ${PORT_serial_1}\n', ports)).toThrow(
      /\$\{PORT_serial_1\} matches no port/,
    );
    expect(rewriteLabYaml('x: ${PORT_serial_1}\n', { serial_1: 5041 })).toBe(
      'x: 5041\n',
    );
  });

  it('measures the 1 MiB limit in bytes, not characters', () => {
    const twoByteChars = 'é'.repeat(MAX_LAB_YAML_BYTES / 2);
    expect(() => validateLabYaml(`a: ${twoByteChars}\n`, [])).toThrow(
      /at most 1048576 bytes/,
    );
  });
});
