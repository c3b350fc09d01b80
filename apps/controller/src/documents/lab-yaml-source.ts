import {
  isDocStoreError,
  type LabletDefinitionRepository,
} from '@lcm/doc-store';
import { rewriteLabYaml, type LabletInstance, errorMessage } from '@lcm/domain';

/** The lab cannot be prepared and never will be (definition gone, hash mismatch, bad placeholders). */
export class LabPreparationFailed extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'LabPreparationFailed';
  }
}

/**
 * The lab YAML an instance runs: its pinned definition version's `labYaml` from the doc-store
 * (cached: versions are immutable), checked against the hash pinned in the instance, with every
 * `${PORT_<NAME>}` placeholder rewritten to the instance's allocated port (docs/lab-yaml.md#rewriting).
 * A store that cannot be reached is a plain error (try again later); anything that will never
 * work is LabPreparationFailed.
 */
export class LabYamlSource {
  private readonly cache = new Map<
    string,
    Promise<{ labYaml: string; labYamlHash: string }>
  >();

  constructor(
    private readonly definitions: Pick<LabletDefinitionRepository, 'getById'>,
  ) {}

  async rewritten(
    instance: Pick<
      LabletInstance,
      'id' | 'definitionId' | 'spec' | 'allocatedPorts'
    >,
  ): Promise<string> {
    const definition = await this.definition(instance.definitionId);
    if (definition.labYamlHash !== instance.spec.labYamlHash) {
      throw new LabPreparationFailed(
        `lab_yaml_hash_mismatch: definition ${instance.definitionId} has ${definition.labYamlHash}, the instance pinned ${instance.spec.labYamlHash}`,
      );
    }
    try {
      return rewriteLabYaml(definition.labYaml, instance.allocatedPorts ?? {});
    } catch (error) {
      throw new LabPreparationFailed(
        `lab_yaml_rewrite_failed: ${errorMessage(error)}`,
      );
    }
  }

  private definition(
    id: string,
  ): Promise<{ labYaml: string; labYamlHash: string }> {
    let found = this.cache.get(id);
    if (!found) {
      found = this.definitions.getById(id).then(
        (d) => ({ labYaml: d.labYaml, labYamlHash: d.labYamlHash }),
        (error: unknown) => {
          this.cache.delete(id);
          if (isDocStoreError(error) && error.code === 'NOT_FOUND')
            throw new LabPreparationFailed(`definition_not_found: ${id}`);
          throw error;
        },
      );
      this.cache.set(id, found);
    }
    return found;
  }
}
