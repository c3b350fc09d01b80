import type { DefinitionVersionCreatedData } from '@lcm/domain';
import { Matches } from 'class-validator';
import {
  IsNonBlankString,
  IsSemver,
  IsTimestamp,
  LAB_YAML_HASH_PATTERN,
} from '../common/data-validators';

/** `lcm.lablet.definition.version.created`: a changed YAML hash made the next version (subject: its id). */
export class DefinitionVersionCreatedPayload
  implements DefinitionVersionCreatedData
{
  /** The id of the new version's document. */
  @IsNonBlankString()
  definitionId!: string;

  @IsNonBlankString()
  name!: string;

  @IsSemver()
  oldVersion!: string;

  @IsSemver()
  newVersion!: string;

  @Matches(LAB_YAML_HASH_PATTERN, {
    message: '$property must be sha256:<64 hex digits>',
  })
  labYamlHash!: string;

  @IsTimestamp()
  timestamp!: string;
}
