import {
  versionOrder,
  type LabletDefinition,
  type LabletDefinitionSummary,
} from '@lcm/domain';
import type { LabletDefinitionDocument } from './lablet-definition.schema';

/** The one place definitions are translated between the stored document and the entity. */

export function toDefinitionDocument(
  definition: LabletDefinition,
): LabletDefinitionDocument {
  const { id, createdAt, deprecatedAt, ...rest } = definition;
  const order = versionOrder(definition.version);
  return {
    _id: id,
    ...rest,
    versionMajor: order.major,
    versionMinor: order.minor,
    versionPatch: order.patch,
    versionRelease: order.release,
    createdAt: new Date(createdAt),
    ...(deprecatedAt !== undefined && { deprecatedAt: new Date(deprecatedAt) }),
  };
}

/** Accepts a full document or a list projection without `labYaml`. */
export function fromDefinitionDocument(
  doc: LabletDefinitionDocument,
): LabletDefinition;
export function fromDefinitionDocument(
  doc: Omit<LabletDefinitionDocument, 'labYaml'>,
): LabletDefinitionSummary;
export function fromDefinitionDocument(
  doc: Omit<LabletDefinitionDocument, 'labYaml'> & { labYaml?: string },
): LabletDefinitionSummary {
  const definition: LabletDefinitionSummary & { labYaml?: string } = {
    id: doc._id,
    name: doc.name,
    version: doc.version,
    ...(doc.description != null && { description: doc.description }),
    ...(doc.labYaml !== undefined && { labYaml: doc.labYaml }),
    labYamlHash: doc.labYamlHash,
    resourceRequirements: {
      cpuCores: doc.resourceRequirements.cpuCores,
      memoryGb: doc.resourceRequirements.memoryGb,
      storageGb: doc.resourceRequirements.storageGb,
      nestedVirt: doc.resourceRequirements.nestedVirt,
      ...(doc.resourceRequirements.amiRequirements != null && {
        amiRequirements: doc.resourceRequirements.amiRequirements.map(
          (ami) => ({
            ...(ami.namePattern != null && { namePattern: ami.namePattern }),
            ...(ami.minVersion != null && { minVersion: ami.minVersion }),
          }),
        ),
      }),
    },
    licenseAffinity: [...doc.licenseAffinity],
    nodeCount: doc.nodeCount,
    portTemplate: {
      ports: doc.portTemplate.ports.map((p) => ({
        name: p.name,
        protocol: p.protocol,
      })),
    },
    ...(doc.gradingRulesUri != null && {
      gradingRulesUri: doc.gradingRulesUri,
    }),
    maxDurationMinutes: doc.maxDurationMinutes,
    ...(doc.instantiationAllowanceMinutes != null && {
      instantiationAllowanceMinutes: doc.instantiationAllowanceMinutes,
    }),
    ...(doc.warmPoolDepth != null && { warmPoolDepth: doc.warmPoolDepth }),
    ...(doc.ownerNotification != null && {
      ownerNotification: {
        ...(doc.ownerNotification.emails != null && {
          emails: [...doc.ownerNotification.emails],
        }),
        ...(doc.ownerNotification.webhookUrl != null && {
          webhookUrl: doc.ownerNotification.webhookUrl,
        }),
      },
    }),
    createdBy: doc.createdBy,
    createdAt: doc.createdAt.toISOString(),
    deprecated: doc.deprecated,
    ...(doc.deprecatedAt != null && {
      deprecatedAt: doc.deprecatedAt.toISOString(),
    }),
    ...(doc.deprecatedBy != null && { deprecatedBy: doc.deprecatedBy }),
  };
  return definition;
}

/** List items leave out the lab YAML (up to 1 MiB each). */
export function toDefinitionSummary(
  definition: LabletDefinition,
): LabletDefinitionSummary {
  const { labYaml: _labYaml, ...summary } = definition;
  return summary;
}

/** Stored fields a list reads (everything but `labYaml`). */
export const DEFINITION_SUMMARY_PROJECTION = { labYaml: 0 } as const;
