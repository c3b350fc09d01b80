import { createHash } from 'node:crypto';
import { isMap, parseDocument } from 'yaml';
import { ValidationError } from '../errors';
import type { PortDefinition } from './lablet-definition.entity';

/** SPEC A-4: lab YAML is stored inline, at most 1 MiB (UTF-8 bytes). */
export const MAX_LAB_YAML_BYTES = 1024 * 1024;

/** `sha256:<hex>` of the YAML text as UTF-8; the only hash the store trusts. */
export function hashLabYaml(labYaml: string): string {
  return `sha256:${createHash('sha256').update(labYaml, 'utf8').digest('hex')}`;
}

/** The key a port is referred to by in the YAML: `serial_1` -> `SERIAL_1` (so `${PORT_SERIAL_1}`). */
export function portPlaceholderKey(portName: string): string {
  return portName.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

const PLACEHOLDER = /\$\{PORT_([^}]*)\}/g;

/** Every distinct `${PORT_<KEY>}` key in the text, in order of first appearance. */
export function portPlaceholderKeys(labYaml: string): string[] {
  const keys = new Set<string>();
  for (const match of labYaml.matchAll(PLACEHOLDER)) keys.add(match[1]);
  return [...keys];
}

/**
 * The lab YAML must be a YAML mapping of at most 1 MiB, and every `${PORT_<NAME>}` placeholder in it
 * must name a port of the port template (NAME = the port name upper-cased), or the lab could not be
 * rewritten with allocated ports at instantiation.
 */
export function validateLabYaml(labYaml: string, ports: readonly PortDefinition[], field = 'labYaml'): void {
  const bytes = Buffer.byteLength(labYaml, 'utf8');
  if (bytes > MAX_LAB_YAML_BYTES) {
    throw new ValidationError(field, `must be at most ${MAX_LAB_YAML_BYTES} bytes (1 MiB), got ${bytes}`);
  }
  const document = parseDocument(labYaml, { uniqueKeys: false });
  if (document.errors.length > 0) {
    throw new ValidationError(field, `is not valid YAML: ${document.errors[0].message.split('\n')[0]}`);
  }
  if (!isMap(document.contents)) {
    throw new ValidationError(field, 'must be a YAML mapping (a CML lab: lab, nodes, links, ...)');
  }
  const known = new Set(ports.map((port) => portPlaceholderKey(port.name)));
  for (const key of portPlaceholderKeys(labYaml)) {
    if (!known.has(key)) {
      const names = ports.map((p) => p.name).join(', ') || 'none';
      throw new ValidationError(field, `placeholder \${PORT_${key}} matches no port of portTemplate (ports: ${names})`);
    }
  }
}
