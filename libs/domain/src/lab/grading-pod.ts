import { ValidationError } from '../errors';
import { extractPortPlaceholders } from './lab-yaml-placeholders';
import { readLabYamlNodes } from './lab-yaml-nodes';

/** The Grading Engine's AuthenticationDefinition: `{scheme, properties}`, not `{type}`. */
export interface GradingAuthentication {
  scheme: 'none' | 'vnc_password';
  properties: Record<string, string>;
}

export interface GradingDeviceInterface {
  name: string;
  protocol: 'console' | 'vnc';
  host: string;
  port: number;
  authentication: GradingAuthentication;
  configuration: Record<string, unknown>;
}

export interface GradingDevice {
  label: string;
  hostname: string;
  collector: 'lcm';
  interfaces: GradingDeviceInterface[];
}

/** What the Grading Engine can reach for an instance: one device per node with a console or VNC. */
export interface GradingPod {
  id: string;
  devices: GradingDevice[];
}

const TAG = /^(serial|vnc):(\d{1,5})$/i;

function interfaceName(
  kind: 'console' | 'vnc',
  label: string,
  ordinal: number,
): string {
  return ordinal === 1 ? `${kind}-${label}` : `${kind}-${label}-${ordinal}`;
}

/**
 * docs/lab-yaml.md#the-grading-pod: builds the Pod from the **rewritten** YAML (so tags hold real ports):
 * `serial:<port>` -> a console interface, `vnc:<port>` -> a VNC interface, both on the worker
 * host. Nodes with no such tag are left out (the engine requires an interface per device).
 */
export function buildGradingPod(
  instance: { id: string },
  rewrittenYaml: string,
  workerHost: string,
): GradingPod {
  if (workerHost.trim() === '') {
    throw new ValidationError(
      'workerHost',
      'must be a non-empty host name or address',
    );
  }
  const leftover = extractPortPlaceholders(rewrittenYaml);
  if (leftover.length > 0) {
    throw new ValidationError(
      'labYaml',
      `still has port placeholders (${leftover.join(', ')}); rewrite it first`,
    );
  }

  const devices: GradingDevice[] = [];
  for (const node of readLabYamlNodes(rewrittenYaml)) {
    const label = node.label || node.id;
    if (!label) continue;
    const interfaces: GradingDeviceInterface[] = [];
    const seen = { console: 0, vnc: 0 };
    for (const tag of node.tags) {
      const match = TAG.exec(tag);
      if (!match) continue;
      const port = Number(match[2]);
      if (port < 1 || port > 65535) {
        throw new ValidationError(
          'labYaml',
          `node ${label}: tag ${tag} is not a valid port`,
        );
      }
      const kind = match[1].toLowerCase() === 'serial' ? 'console' : 'vnc';
      seen[kind] += 1;
      interfaces.push({
        name: interfaceName(kind, label, seen[kind]),
        protocol: kind,
        host: workerHost,
        port,
        authentication: {
          scheme: kind === 'console' ? 'none' : 'vnc_password',
          properties: {},
        },
        configuration: {},
      });
    }
    if (interfaces.length > 0) {
      devices.push({ label, hostname: label, collector: 'lcm', interfaces });
    }
  }
  return { id: instance.id, devices };
}
