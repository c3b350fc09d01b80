import { Schema } from 'mongoose';
import { WORKER_TEMPLATES_COLLECTION } from '../collections';
import type {
  LicenseType,
  PortRange,
  TemplateCapacity,
  WorkerTemplateEc2,
} from '@lcm/domain';

export const WORKER_TEMPLATE_MODEL = 'WorkerTemplate';

/**
 * How a template is stored: `_id` is the template id, timestamps are BSON dates, and tags are a list
 * of `{key, value}` because cloud tag keys may contain `.` (and `$`), which MongoDB-compatible
 * servers refuse or restrict in field names.
 */
export interface WorkerTemplateDocument {
  _id: string;
  name: string;
  description: string;
  instanceType: string;
  capacity: TemplateCapacity;
  licenseType: LicenseType;
  maxNodes: number;
  amiPattern: string;
  amiName?: string;
  ec2?: WorkerTemplateEc2;
  region: string;
  startupTimeMinutes: number;
  portRange: PortRange;
  drainTimeoutHours: number;
  tags: { key: string; value: string }[];
  isSeeded: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const workerTemplateSchema = new Schema<WorkerTemplateDocument>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    description: { type: String, default: '' },
    instanceType: { type: String, required: true },
    capacity: {
      type: new Schema(
        {
          cpuCores: { type: Number, required: true },
          memoryGb: { type: Number, required: true },
          storageGb: { type: Number, required: true },
        },
        { _id: false },
      ),
      required: true,
    },
    licenseType: { type: String, required: true },
    maxNodes: { type: Number, required: true },
    amiPattern: { type: String, required: true },
    amiName: String,
    ec2: {
      type: new Schema(
        {
          amiId: String,
          amiOwner: String,
          subnetIds: { type: [String], default: undefined },
          securityGroupIds: { type: [String], default: undefined },
          keyName: String,
          iamInstanceProfile: String,
          rootVolumeGb: Number,
          userData: String,
        },
        { _id: false },
      ),
      required: false,
    },
    region: { type: String, required: true },
    startupTimeMinutes: { type: Number, required: true },
    portRange: {
      type: new Schema(
        {
          start: { type: Number, required: true },
          end: { type: Number, required: true },
        },
        { _id: false },
      ),
      required: true,
    },
    drainTimeoutHours: { type: Number, required: true },
    tags: {
      type: [new Schema({ key: String, value: String }, { _id: false })],
      default: [],
    },
    isSeeded: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  {
    collection: WORKER_TEMPLATES_COLLECTION,
    versionKey: false,
    minimize: false,
    strict: 'throw',
    autoIndex: false,
    autoCreate: false,
  },
);

// The unique name is what makes concurrent seeding create each template once.
workerTemplateSchema.index(
  { name: 1 },
  { unique: true, name: 'template_name_unique' },
);
workerTemplateSchema.index(
  { licenseType: 1, name: 1 },
  { name: 'template_license_name' },
);
