import type {
  Clock,
  NewLabletDefinition,
  NewWorkerTemplate,
} from '@lcm/domain';
import type { CloudEvent } from '../../src';

export const DAY_MS = 86_400_000;

/** What a contract suite hands its factory: the clock the repository must use. */
export interface ContractContext {
  clock: Clock;
}

/** Returns a repository over empty storage; called before every test. */
export type RepositoryFactory<R> = (context: ContractContext) => Promise<R>;

/** A CML lab with three port placeholders, like the SPEC's sample lab. `revision` changes its hash. */
export function labYaml(revision = 1): string {
  return [
    'lab:',
    `  title: DEVASC sample (revision ${revision})`,
    '  version: 0.3.0',
    'nodes:',
    '  - id: n0',
    '    label: vmanage-mock',
    '    tags:',
    '      - serial:${PORT_SERIAL_1}',
    '  - id: n1',
    '    label: ubuntu-desktop',
    '    tags:',
    '      - serial:${PORT_SERIAL_2}',
    '      - vnc:${PORT_VNC_1}',
    'links: []',
    '',
  ].join('\n');
}

export function definitionInput(
  overrides: Partial<Record<keyof NewLabletDefinition, unknown>> = {},
): NewLabletDefinition {
  return {
    name: 'DEVASC_200-901_LAB',
    version: '1.0.0',
    description: 'Cisco DevNet Associate practice lab',
    labYaml: labYaml(),
    resourceRequirements: {
      cpuCores: 4,
      memoryGb: 8,
      storageGb: 50,
      nestedVirt: true,
      amiRequirements: [{ namePattern: 'CML-2.9.*', minVersion: '2.9.0' }],
    },
    licenseAffinity: ['PERSONAL', 'ENTERPRISE'],
    nodeCount: 2,
    portTemplate: {
      ports: [
        { name: 'serial_1', protocol: 'tcp' },
        { name: 'serial_2', protocol: 'tcp' },
        { name: 'vnc_1', protocol: 'tcp' },
      ],
    },
    gradingRulesUri: 's3://lablet-artifacts/devasc/grading.json',
    maxDurationMinutes: 120,
    instantiationAllowanceMinutes: 5,
    warmPoolDepth: 0,
    ownerNotification: {
      emails: ['owner@example.com'],
      webhookUrl: 'https://hooks.example.com/lcm',
    },
    createdBy: 'admin@example.com',
    ...overrides,
  } as NewLabletDefinition;
}

export function templateInput(
  overrides: Partial<Record<keyof NewWorkerTemplate, unknown>> = {},
): NewWorkerTemplate {
  return {
    name: 'personal-small',
    description: 'a small personal worker',
    instanceType: 'm5zn.metal',
    capacity: { cpuCores: 48, memoryGb: 192, storageGb: 500 },
    licenseType: 'PERSONAL',
    maxNodes: 20,
    amiPattern: 'CML-2.9.*',
    amiName: 'CML-2.9.1',
    region: 'us-east-1',
    startupTimeMinutes: 20,
    portRange: { start: 2000, end: 9999 },
    drainTimeoutHours: 4,
    tags: { Team: 'labs' },
    ...overrides,
  } as NewWorkerTemplate;
}

let eventCounter = 0;

export function cloudEvent(overrides: Partial<CloudEvent> = {}): CloudEvent {
  eventCounter += 1;
  return {
    specversion: '1.0',
    id: `evt-${eventCounter.toString().padStart(6, '0')}`,
    source: 'lcm/controller',
    type: 'lcm.lablet.instance.running',
    subject: 'instance-1',
    time: '2026-01-16T10:00:00.000Z',
    datacontenttype: 'application/json',
    data: {
      instanceId: 'instance-1',
      newState: 'running',
      allocatedPorts: { serial_1: 5041 },
    },
    ...overrides,
  };
}

/** The seed file of docs/domain.md#workers-and-templates in the original snake_case spelling. */
export const SNAKE_CASE_SEED = `
templates:
  - name: personal-standard
    description: personal
    instance_type: m5zn.metal
    capacity: { cpu_cores: 48, memory_gb: 192, storage_gb: 500 }
    license_type: PERSONAL
    max_nodes: 20
    ami_pattern: CML-2.9.*
    region: us-east-1
    startup_time_minutes: 20
    port_range: { start: 2000, end: 9999 }
  - name: enterprise-large
    instance_type: m5zn.metal
    capacity: { cpu_cores: 48, memory_gb: 192, storage_gb: 1000 }
    license_type: ENTERPRISE
    max_nodes: 500
    ami_pattern: CML-2.9.*
    region: us-east-1
    startup_time_minutes: 20
    port_range_start: 2000
    port_range_end: 9999
    drain_timeout_hours: 6
    tags: { cost.center: labs }
`;

/** Every item of every page, following cursors until the last page. */
export async function collectPages<T>(
  fetch: (
    cursor: string | null,
  ) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await fetch(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages += 1;
    if (pages > 1000) throw new Error('pagination does not end');
  } while (cursor !== null);
  return { items, pages };
}
