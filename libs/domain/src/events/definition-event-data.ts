export interface DefinitionCreatedData {
  definitionId: string;
  name: string;
  version: string;
  timestamp: string;
}

export interface DefinitionVersionCreatedData {
  /** The id of the new version's document. */
  definitionId: string;
  name: string;
  oldVersion: string;
  newVersion: string;
  labYamlHash: string;
  timestamp: string;
}

export interface DefinitionDeprecatedData {
  definitionId: string;
  name: string;
  version: string;
  timestamp: string;
}
