import type { DefinitionDeprecatedData } from '@lcm/domain';
import {
  IsNonBlankString,
  IsSemver,
  IsTimestamp,
} from '../common/data-validators';

/** `lcm.lablet.definition.deprecated`: a definition version soft-deleted. */
export class DefinitionDeprecatedPayload implements DefinitionDeprecatedData {
  @IsNonBlankString()
  definitionId!: string;

  @IsNonBlankString()
  name!: string;

  @IsSemver()
  version!: string;

  @IsTimestamp()
  timestamp!: string;
}
