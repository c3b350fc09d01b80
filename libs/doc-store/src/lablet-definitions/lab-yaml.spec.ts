import { createHash } from 'node:crypto';
import { hashLabYaml, MAX_LAB_YAML_BYTES, portPlaceholderKey, portPlaceholderKeys, validateLabYaml } from './lab-yaml';

const ports = [
  { name: 'serial_1', protocol: 'tcp' as const },
  { name: 'vnc-1', protocol: 'tcp' as const },
];

describe('lab YAML', () => {
  it('hashes the UTF-8 text as sha256:<hex>', () => {
    const text = 'lab:\n  title: Ünïcode\n';
    expect(hashLabYaml(text)).toBe(`sha256:${createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex')}`);
    expect(hashLabYaml(text)).not.toBe(hashLabYaml(`${text} `));
  });

  it('derives the placeholder key from the port name: upper case, other characters as _', () => {
    expect(portPlaceholderKey('serial_1')).toBe('SERIAL_1');
    expect(portPlaceholderKey('vnc-1')).toBe('VNC_1');
  });

  it('finds every distinct placeholder, several per line included', () => {
    expect(portPlaceholderKeys('a: ${PORT_A} ${PORT_B}\nb: ${PORT_A}\nc: ${OTHER}\n')).toEqual(['A', 'B']);
  });

  it('accepts placeholders that name template ports', () => {
    expect(() => validateLabYaml('nodes:\n  - tags:\n      - serial:${PORT_SERIAL_1}\n      - "vnc:${PORT_VNC_1}"\n', ports)).not.toThrow();
  });

  it('refuses a placeholder with no port, naming the placeholder', () => {
    expect(() => validateLabYaml('x: ${PORT_SERIAL_2}\n', ports)).toThrow(/\$\{PORT_SERIAL_2\} matches no port/);
  });

  it('measures the 1 MiB limit in bytes, not characters', () => {
    const twoByteChars = 'é'.repeat(MAX_LAB_YAML_BYTES / 2);
    expect(() => validateLabYaml(`a: ${twoByteChars}\n`, [])).toThrow(/at most 1048576 bytes/);
  });
});
