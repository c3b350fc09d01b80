import { createHash } from 'node:crypto';
import { isMap, parseDocument } from 'yaml';
import { ValidationError } from '../errors';
import {
  portPlaceholderKey,
  type PortDefinition,
} from '../values/port-template';

/**
 * `${PORT_<KEY>}`: the one pattern for port placeholders, used by admission (every key must be a
 * port's key exactly as `portPlaceholderKey` writes it), by the rewrite at instantiation (which also
 * fills a key written in another case) and by the providers' "nothing left over" check. The key is
 * anything up to the closing brace, so a key that could not be a port's (`${PORT_foo-bar}`) is seen
 * and refused at admission rather than left in the lab.
 */
export const PORT_PLACEHOLDER_PATTERN = /\$\{PORT_([^}]*)\}/g;

/** docs/decisions/0012-lab-yaml-inline-versioned-by-hash.md: lab YAML is stored inline, at most 1 MiB (UTF-8 bytes). */
export const MAX_LAB_YAML_BYTES = 1024 * 1024;

/** The placeholder keys a lab YAML uses, as written, unique, in order of first appearance. */
export function extractPortPlaceholders(yaml: string): string[] {
  const keys = new Set<string>();
  for (const match of yaml.matchAll(PORT_PLACEHOLDER_PATTERN)) {
    keys.add(match[1]);
  }
  return [...keys];
}

/** Admission rule: every placeholder in the YAML is the key of a port of the definition's template (`${PORT_SERIAL_1}` for `serial_1`). */
export function assertPlaceholdersInPortTemplate(
  yaml: string,
  ports: readonly PortDefinition[],
  field = 'labYaml',
): void {
  const known = new Set(ports.map((p) => portPlaceholderKey(p.name)));
  const unknown = extractPortPlaceholders(yaml).filter(
    (key) => !known.has(key),
  );
  if (unknown.length > 0) {
    const listed = unknown.map((k) => `\${PORT_${k}}`).join(', ');
    const names = ports.map((p) => p.name).join(', ') || 'none';
    throw new ValidationError(
      field,
      unknown.length === 1
        ? `placeholder ${listed} matches no port of portTemplate (ports: ${names})`
        : `placeholders ${listed} match no port of portTemplate (ports: ${names})`,
    );
  }
}

/** `sha256:<hex>` of the YAML text as UTF-8: how a definition version's lab is identified. */
export function hashLabYaml(labYaml: string): string {
  return `sha256:${createHash('sha256').update(labYaml, 'utf8').digest('hex')}`;
}

/**
 * The lab YAML must be a YAML mapping of at most 1 MiB, and every `${PORT_<NAME>}` placeholder in it
 * must name a port of the port template (NAME = the port name upper-cased), or the lab could not be
 * rewritten with allocated ports at instantiation.
 */
export function validateLabYaml(
  labYaml: string,
  ports: readonly PortDefinition[],
  field = 'labYaml',
): void {
  const bytes = Buffer.byteLength(labYaml, 'utf8');
  if (bytes > MAX_LAB_YAML_BYTES) {
    throw new ValidationError(
      field,
      `must be at most ${MAX_LAB_YAML_BYTES} bytes (1 MiB), got ${bytes}`,
    );
  }
  const document = parseDocument(labYaml, { uniqueKeys: false });
  if (document.errors.length > 0) {
    throw new ValidationError(
      field,
      `is not valid YAML: ${document.errors[0].message.split('\n')[0]}`,
    );
  }
  if (!isMap(document.contents)) {
    throw new ValidationError(
      field,
      'must be a YAML mapping (a CML lab: lab, nodes, links, ...)',
    );
  }
  assertPlaceholdersInPortTemplate(labYaml, ports, field);
}
