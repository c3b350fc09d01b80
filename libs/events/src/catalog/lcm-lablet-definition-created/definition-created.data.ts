import type { DefinitionCreatedData } from '@lcm/domain';
import {
  IsNonBlankString,
  IsSemver,
  IsTimestamp,
} from '../common/data-validators';

/** `lcm.lablet.definition.created`: a new definition name registered (subject: its id). */
export class DefinitionCreatedPayload implements DefinitionCreatedData {
  @IsNonBlankString()
  definitionId!: string;

  @IsNonBlankString()
  name!: string;

  @IsSemver()
  version!: string;

  @IsTimestamp()
  timestamp!: string;
}
