import {
  amiNameSatisfies,
  amiPatternSatisfies,
  portRangeSize,
  type CapacityDimension,
  type InstanceSpec,
  type LicenseType,
} from '@lcm/domain';
import { capacityLabels } from '../placement/capacity-labels';
import { compareIds } from '../placement/filter-pipeline';
import type { TemplateView } from './template-view';

export interface SelectTemplateOptions {
  /** The deployment region; templates elsewhere are not eligible. */
  region: string;
}

/** Why one template is not eligible (every failed rule, not only the first). */
export interface TemplateRejection {
  template: string;
  reasons: string[];
}

export type TemplateSelection =
  | { template: TemplateView; reason: string; rejections: TemplateRejection[] }
  | { template: null; reason: string; rejections: TemplateRejection[] };

/** docs/scheduling.md#template-selection [gap]: PERSONAL before ENTERPRISE, then EVALUATION. */
const LICENSE_PREFERENCE: Readonly<Record<LicenseType, number>> = {
  PERSONAL: 0,
  ENTERPRISE: 1,
  EVALUATION: 2,
};

/** Every rule of docs/scheduling.md#template-selection the template breaks for this spec (empty when eligible). */
export function templateIneligibility(
  spec: InstanceSpec,
  template: TemplateView,
  options: SelectTemplateOptions,
): string[] {
  const reasons: string[] = [];
  if (!spec.licenseAffinity.includes(template.licenseType)) {
    reasons.push('license mismatch');
  }
  const short: CapacityDimension[] = [];
  if (template.capacity.cpuCores < spec.requirements.cpuCores)
    short.push('cpuCores');
  if (template.capacity.memoryGb < spec.requirements.memoryGb)
    short.push('memoryGb');
  if (template.capacity.storageGb < spec.requirements.storageGb)
    short.push('storageGb');
  if (template.maxNodes < spec.nodeCount) short.push('maxNodes');
  if (short.length > 0) reasons.push(`too small (${capacityLabels(short)})`);
  const ami = spec.requirements.amiRequirements;
  const amiOk =
    template.amiName !== undefined
      ? amiNameSatisfies(template.amiName, ami)
      : amiPatternSatisfies(template.amiPattern, ami);
  if (!amiOk) reasons.push('AMI mismatch');
  if (portRangeSize(template.portRange) < spec.ports.length) {
    reasons.push('port range too small');
  }
  if (template.region !== options.region) {
    reasons.push(`region ${template.region}, not ${options.region}`);
  }
  return reasons;
}

/**
 * Smallest capacity first (cpu, then memory, then storage), then PERSONAL before ENTERPRISE
 * before EVALUATION, then name: a total order, so the choice never depends on list order.
 */
export function compareTemplates(a: TemplateView, b: TemplateView): number {
  return (
    a.capacity.cpuCores - b.capacity.cpuCores ||
    a.capacity.memoryGb - b.capacity.memoryGb ||
    a.capacity.storageGb - b.capacity.storageGb ||
    LICENSE_PREFERENCE[a.licenseType] - LICENSE_PREFERENCE[b.licenseType] ||
    compareIds(a.name, b.name)
  );
}

/**
 * docs/scheduling.md#template-selection `select_template`: the template a scale-up for this spec should use, or null with
 * the reason each template was refused (the instance then stays pending and an alert is due).
 */
export function selectTemplate(
  spec: InstanceSpec,
  templates: readonly TemplateView[],
  options: SelectTemplateOptions,
): TemplateSelection {
  const eligible: TemplateView[] = [];
  const rejections: TemplateRejection[] = [];
  for (const template of templates) {
    const reasons = templateIneligibility(spec, template, options);
    if (reasons.length === 0) eligible.push(template);
    else rejections.push({ template: template.name, reasons });
  }
  rejections.sort((a, b) => compareIds(a.template, b.template));
  if (eligible.length === 0) {
    const why =
      rejections.length === 0
        ? 'no templates defined'
        : rejections
            .map((r) => `${r.template}: ${r.reasons.join(', ')}`)
            .join('; ');
    return {
      template: null,
      reason: `no eligible template (${why})`,
      rejections,
    };
  }
  const [chosen] = [...eligible].sort(compareTemplates);
  const reason =
    eligible.length === 1
      ? 'the only eligible template'
      : `smallest eligible template (${eligible.length} eligible)`;
  return { template: chosen, reason, rejections };
}
