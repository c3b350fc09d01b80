import type { LicenseStatus, LicenseType } from '@lcm/domain';
import type { LabState, NodePort } from '../ports/lab-runtime';
import type {
  CloudInstanceState,
  InstanceChecks,
} from '../ports/worker-provider';

/**
 * The simulated data plane as plain JSON records. Times are epoch milliseconds of the fleet's
 * clock. States are not stored but computed from the phase and its timestamps when read, so a
 * fleet of thousands of VMs needs no timers.
 */

/** What the last lifecycle call put in motion: run (launch/start), stop, or terminate. */
export type VmPhase = 'run' | 'stop' | 'terminate';

/** Stored lab state; `STARTED` with `readyAt` in the future reads as STARTING. */
export type StoredLabState = Exclude<LabState, 'STARTING'>;

export interface SimLabNode {
  label: string;
  ports: NodePort[];
}

export interface SimLabRecord {
  id: string;
  idempotencyKey: string;
  title: string;
  createdAt: number;
  state: StoredLabState;
  /** For a STARTED lab: when its nodes finished booting. */
  readyAt: number | null;
  nodes: SimLabNode[];
}

/** The licence a simulated engine is registered with (a test may change it: SimulatedFleet.setLicense). */
export interface SimLicense {
  licenseType: LicenseType;
  status: LicenseStatus;
  /** null: the licence gives no node limit. */
  nodeLimit: number | null;
}

export interface SimVmRecord {
  id: string;
  /** The LCM worker id it was provisioned for; null for a VM launched outside LCM. */
  idempotencyKey: string | null;
  templateName: string | null;
  instanceType: string;
  region: string;
  amiName: string;
  tags: Record<string, string>;
  hostname: string;
  privateIp: string;
  /** Assigned at each start; cleared when the VM stops or terminates. */
  publicIp: string | null;
  launchedAt: number;
  phase: VmPhase;
  phaseAt: number;
  /** When the phase's transition completes: running, stopped or terminated. */
  readyAt: number;
  /** run phase: when the lab engine becomes AVAILABLE (or ERROR). */
  serviceReadyAt: number | null;
  /** run phase: when the VM disappears (drawn from vanishRate), if ever. */
  vanishAt: number | null;
  /** Terminated by the cloud, not by a terminate call. */
  vanished: boolean;
  engineError: boolean;
  impaired: boolean;
  /** How many times the VM entered the run phase (1 after launch). */
  runCount: number;
  /** Attempt counters for keyed random draws (imports, lab starts). */
  attempts: Record<string, number>;
  labs: Record<string, SimLabRecord>;
  /** Absent for a VM launched without one (unmanaged, or saved before licences): see `engineLicense`. */
  license?: SimLicense;
}

export function vmState(vm: SimVmRecord, now: number): CloudInstanceState {
  const done = now >= vm.readyAt;
  switch (vm.phase) {
    case 'run':
      return done ? 'running' : 'pending';
    case 'stop':
      return done ? 'stopped' : 'stopping';
    case 'terminate':
      return done ? 'terminated' : 'shutting-down';
  }
}

export function vmChecks(vm: SimVmRecord, now: number): InstanceChecks {
  if (vmState(vm, now) !== 'running') return 'insufficient-data';
  if (vm.impaired) return 'impaired';
  return vm.serviceReadyAt !== null && now < vm.serviceReadyAt
    ? 'insufficient-data'
    : 'ok';
}

export function labState(lab: SimLabRecord, now: number): LabState {
  if (lab.state === 'STARTED' && lab.readyAt !== null && now < lab.readyAt) {
    return 'STARTING';
  }
  return lab.state;
}

/** Does this lab count as using its nodes (for utilisation)? */
export function labIsActive(lab: SimLabRecord): boolean {
  return lab.state === 'STARTED';
}
