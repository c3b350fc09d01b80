import type { CapacityDimension } from '@lcm/domain';

/** Short names of the capacity dimensions as they appear in reasons ("insufficient memory"). */
export const CAPACITY_LABELS: Readonly<Record<CapacityDimension, string>> = {
  cpuCores: 'cpu',
  memoryGb: 'memory',
  storageGb: 'storage',
  maxNodes: 'nodes',
};

export function capacityLabels(
  dimensions: readonly CapacityDimension[],
): string {
  return dimensions.map((d) => CAPACITY_LABELS[d]).join(', ');
}
