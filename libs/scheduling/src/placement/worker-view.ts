import type {
  InstanceSpec,
  Worker,
  WorkerCapacityRecord,
  WorkerPorts,
} from '@lcm/domain';

/** What the scheduler sees of one worker: its record and its two resource records, read together. */
export interface WorkerView {
  worker: Worker;
  capacity: WorkerCapacityRecord;
  ports: WorkerPorts;
}

/** The instance to place. A `LabletInstance` is one (placement needs only its id and spec). */
export interface PlacementRequest {
  id: string;
  spec: InstanceSpec;
}
