import type { WorkerTemplate, WorkerTemplateEc2 } from '@lcm/domain';
import type { WorkerTemplateDocument } from './worker-template.schema';

/** The one place templates are translated between the stored document and the entity. */

export function toTemplateDocument(
  template: WorkerTemplate,
): WorkerTemplateDocument {
  const { id, tags, createdAt, updatedAt, ...rest } = template;
  return {
    _id: id,
    ...rest,
    tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    createdAt: new Date(createdAt),
    updatedAt: new Date(updatedAt),
  };
}

export function fromTemplateDocument(
  doc: WorkerTemplateDocument,
): WorkerTemplate {
  return {
    id: doc._id,
    name: doc.name,
    description: doc.description ?? '',
    instanceType: doc.instanceType,
    capacity: {
      cpuCores: doc.capacity.cpuCores,
      memoryGb: doc.capacity.memoryGb,
      storageGb: doc.capacity.storageGb,
    },
    licenseType: doc.licenseType,
    maxNodes: doc.maxNodes,
    amiPattern: doc.amiPattern,
    ...(doc.amiName != null && { amiName: doc.amiName }),
    ...(doc.ec2 != null && { ec2: ec2FromDocument(doc.ec2) }),
    region: doc.region,
    startupTimeMinutes: doc.startupTimeMinutes,
    portRange: { start: doc.portRange.start, end: doc.portRange.end },
    drainTimeoutHours: doc.drainTimeoutHours,
    tags: Object.fromEntries(
      (doc.tags ?? []).map((tag) => [tag.key, tag.value]),
    ),
    isSeeded: doc.isSeeded,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

/** Only the settings present (mongoose may hand back null for unset ones). */
function ec2FromDocument(ec2: WorkerTemplateEc2): WorkerTemplateEc2 {
  const plain = JSON.parse(JSON.stringify(ec2)) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(plain).filter(([, value]) => value != null),
  ) as WorkerTemplateEc2;
}
