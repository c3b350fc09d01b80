import { ValidationError } from '../errors';
import type { PortMap } from '../values/port-allocation';
import { portPlaceholderKey } from '../values/port-template';
import { PORT_PLACEHOLDER_PATTERN } from './lab-yaml-placeholders';

/**
 * Replaces every `${PORT_<NAME>}` in the text (all of them, several per line included) with the
 * allocated port. Pure text substitution, so the YAML keeps its formatting. Fails with
 * ValidationError, listing each one, when a placeholder has no allocated port.
 */
export function rewriteLabYaml(yaml: string, ports: PortMap): string {
  const byKey = new Map<string, number>();
  for (const [name, port] of Object.entries(ports)) {
    byKey.set(portPlaceholderKey(name), port);
  }
  const missing = new Set<string>();
  const rewritten = yaml.replace(
    PORT_PLACEHOLDER_PATTERN,
    (token: string, key: string) => {
      const port = byKey.get(key.toUpperCase());
      if (port === undefined) {
        missing.add(token);
        return token;
      }
      return String(port);
    },
  );
  if (missing.size > 0) {
    throw new ValidationError(
      'labYaml',
      `no allocated port for ${[...missing].join(', ')}`,
    );
  }
  return rewritten;
}
