import { ValidationError } from '../errors';
import {
  portPlaceholderKey,
  type PortDefinition,
} from '../values/port-template';

/** `${PORT_<KEY>}`; the key is read case-insensitively and normalised to upper case. */
export const PORT_PLACEHOLDER_PATTERN = /\$\{PORT_([A-Za-z0-9_]+)\}/g;

/** The placeholder keys a lab YAML uses, upper-cased, unique, in order of first appearance. */
export function extractPortPlaceholders(yaml: string): string[] {
  const keys = new Set<string>();
  for (const match of yaml.matchAll(PORT_PLACEHOLDER_PATTERN)) {
    keys.add(match[1].toUpperCase());
  }
  return [...keys];
}

/** Admission rule: every placeholder in the YAML names a port of the definition's template. */
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
    throw new ValidationError(
      field,
      `placeholders with no port in the port template: ${unknown.map((k) => `\${PORT_${k}}`).join(', ')}`,
    );
  }
}
