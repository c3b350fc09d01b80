import { Schema } from 'mongoose';
import { LABLET_DEFINITIONS_COLLECTION } from '../collections';
import type {
  LicenseType,
  OwnerNotification,
  PortTemplate,
  ResourceRequirements,
} from '@lcm/domain';

export const LABLET_DEFINITION_MODEL = 'LabletDefinition';

/**
 * How a definition is stored in MongoDB: `_id` is the definition id (UUID), timestamps are BSON
 * dates, and the version is also kept as numbers (`versionMajor` ... `versionRelease`) so the
 * database can sort in semver order.
 */
export interface LabletDefinitionDocument {
  _id: string;
  name: string;
  version: string;
  versionMajor: number;
  versionMinor: number;
  versionPatch: number;
  versionRelease: 0 | 1;
  description?: string;
  labYaml: string;
  labYamlHash: string;
  resourceRequirements: ResourceRequirements;
  licenseAffinity: LicenseType[];
  nodeCount: number;
  portTemplate: PortTemplate;
  gradingRulesUri?: string;
  maxDurationMinutes: number;
  instantiationAllowanceMinutes?: number;
  warmPoolDepth?: number;
  ownerNotification?: OwnerNotification;
  createdBy: string;
  createdAt: Date;
  deprecated: boolean;
  deprecatedAt?: Date;
  deprecatedBy?: string;
}

const amiRequirementSchema = new Schema(
  { namePattern: String, minVersion: String },
  { _id: false },
);

export const labletDefinitionSchema = new Schema<LabletDefinitionDocument>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    version: { type: String, required: true },
    versionMajor: { type: Number, required: true },
    versionMinor: { type: Number, required: true },
    versionPatch: { type: Number, required: true },
    versionRelease: { type: Number, required: true },
    description: String,
    labYaml: { type: String, required: true },
    labYamlHash: { type: String, required: true },
    resourceRequirements: {
      type: new Schema(
        {
          cpuCores: { type: Number, required: true },
          memoryGb: { type: Number, required: true },
          storageGb: { type: Number, required: true },
          nestedVirt: { type: Boolean, required: true },
          amiRequirements: { type: [amiRequirementSchema], default: undefined },
        },
        { _id: false },
      ),
      required: true,
    },
    licenseAffinity: { type: [String], required: true },
    nodeCount: { type: Number, required: true },
    portTemplate: {
      type: new Schema(
        {
          ports: {
            type: [
              new Schema({ name: String, protocol: String }, { _id: false }),
            ],
            required: true,
          },
        },
        { _id: false },
      ),
      required: true,
    },
    gradingRulesUri: String,
    maxDurationMinutes: { type: Number, required: true },
    instantiationAllowanceMinutes: Number,
    warmPoolDepth: Number,
    ownerNotification: {
      type: new Schema(
        { emails: { type: [String], default: undefined }, webhookUrl: String },
        { _id: false },
      ),
    },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    deprecated: { type: Boolean, required: true },
    deprecatedAt: Date,
    deprecatedBy: String,
  },
  {
    collection: LABLET_DEFINITIONS_COLLECTION,
    versionKey: false,
    minimize: false,
    strict: 'throw',
    autoIndex: false,
    autoCreate: false,
  },
);

// (name, version) is the identity of a version: the unique index is what makes concurrent
// registrations safe. The sort index serves "latest of a name" and the name-ordered list.
labletDefinitionSchema.index(
  { name: 1, version: 1 },
  { unique: true, name: 'definition_name_version_unique' },
);
labletDefinitionSchema.index(
  {
    name: 1,
    versionMajor: -1,
    versionMinor: -1,
    versionPatch: -1,
    versionRelease: -1,
    version: -1,
  },
  { name: 'definition_name_semver' },
);
labletDefinitionSchema.index(
  { licenseAffinity: 1 },
  { name: 'definition_license_affinity' },
);
