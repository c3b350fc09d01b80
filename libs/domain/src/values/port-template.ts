import { ValidationError } from '../errors';

export interface PortDefinition {
  name: string;
  protocol: 'tcp' | 'udp';
}

/** The named ports a definition needs; the i-th name gets the i-th allocated port. */
export interface PortTemplate {
  ports: PortDefinition[];
}

/** A port name: an identifier of at most 63 characters (it becomes a `${PORT_<NAME>}` placeholder). */
export const PORT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

/** The key used in lab YAML placeholders: `serial_1` -> `SERIAL_1` (so `${PORT_SERIAL_1}`). */
export function portPlaceholderKey(portName: string): string {
  return portName.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** The placeholder text for a port: `serial_1` -> `${PORT_SERIAL_1}`. */
export function portPlaceholder(portName: string): string {
  return `\${PORT_${portPlaceholderKey(portName)}}`;
}

/** Names are identifiers, unique even after upper-casing (two names may not share a placeholder). */
export function validatePortTemplate(
  ports: readonly PortDefinition[],
  field = 'ports',
): void {
  if (!Array.isArray(ports)) {
    throw new ValidationError(field, 'must be a list of {name, protocol}');
  }
  const seen = new Map<string, string>();
  ports.forEach((port, i) => {
    if (typeof port.name !== 'string' || !PORT_NAME.test(port.name)) {
      throw new ValidationError(
        `${field}[${i}].name`,
        `must start with a letter and contain only letters, digits, '_' or '-', got ${JSON.stringify(port.name)}`,
      );
    }
    if (port.protocol !== 'tcp' && port.protocol !== 'udp') {
      throw new ValidationError(
        `${field}[${i}].protocol`,
        `must be tcp or udp, got ${JSON.stringify(port.protocol)}`,
      );
    }
    const key = portPlaceholderKey(port.name);
    const clash = seen.get(key);
    if (clash !== undefined) {
      throw new ValidationError(
        `${field}[${i}].name`,
        `'${port.name}' clashes with '${clash}' (both ${portPlaceholder(port.name)})`,
      );
    }
    seen.set(key, port.name);
  });
}
