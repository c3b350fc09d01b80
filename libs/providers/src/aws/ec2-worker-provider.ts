import type {
  EC2Client,
  EC2ClientConfig,
  Filter,
  Image,
  Instance,
  InstanceStatus,
  RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import {
  InstanceNotFound,
  InvalidParameter,
  OperationFailed,
} from '../ports/provider-errors';
import {
  buildManagedTags,
  CLOUD_INSTANCE_STATES,
  MANAGED_BY_TAG,
  MANAGED_BY_VALUE,
  WORKER_ID_TAG,
  type CloudInstance,
  type CloudInstanceState,
  type CloudInstanceStatus,
  type InstanceChecks,
  type InstanceMetrics,
  type ListManagedOptions,
  type ProvisionRequest,
  type WorkerProvider,
} from '../ports/worker-provider';
import { awsErrorCode, isCapacityError, toProviderError } from './ec2-errors';

/** Tag with the deployment region a worker was started for (IAM conditions can match it). */
export const REGION_TAG = 'lcm:region';
/** Tag with the image name the VM booted, so `describe` needs no image lookup. */
export const AMI_NAME_TAG = 'lcm:ami-name';

export interface Ec2WorkerProviderOptions {
  /** The region this provider starts workers in; a request for another region is refused. */
  region: string;
  /**
   * Endpoint override (tests, moto). Without it the SDK applies its standard `AWS_ENDPOINT_URL_EC2`
   * / `AWS_ENDPOINT_URL` settings, then AWS's regional endpoint.
   */
  endpoint?: string;
  /**
   * Attempts per call (SDK standard retry mode: throttling and transient errors are retried with
   * exponential backoff and full jitter). Default 5.
   */
  maxAttempts?: number;
  /** Which address the lab engine is reached at: the private DNS name (default) or the public one. */
  address?: 'private' | 'public';
  /** How long an image lookup (`DescribeImages`) is reused for the same name and owner (60 s). */
  imageCacheMs?: number;
  /** Only for tests; otherwise the SDK's default chain (env, profile, web identity, IMDS). */
  credentials?: EC2ClientConfig['credentials'];
}

type Ec2Sdk = typeof import('@aws-sdk/client-ec2');
let ec2Sdk: Ec2Sdk | undefined;

/**
 * The AWS SDK's EC2 client, loaded when the first Ec2WorkerProvider is built: it costs ~70 MB of
 * resident memory (its command and schema modules), which a controller on another data plane
 * (simulated, http) must not carry.
 */
function loadEc2Sdk(): Ec2Sdk {
  ec2Sdk ??= require('@aws-sdk/client-ec2') as Ec2Sdk;
  return ec2Sdk;
}

const LIVE_STATES: CloudInstanceState[] = CLOUD_INSTANCE_STATES.filter(
  (state) => state !== 'terminated',
);
const PAGE_SIZE = 1000;
/** EC2 allows 64 ASCII characters in a client token. */
const MAX_CLIENT_TOKEN = 64;

/**
 * WorkerProvider on Amazon EC2. A worker is one instance tagged with the LCM tags
 * (`buildManagedTags` plus `lcm:region`); provision is idempotent by `ClientToken` = worker id and,
 * for clouds that ignore client tokens (moto) or a key whose earlier VM was terminated, by looking
 * the worker id tag up first.
 */
export class Ec2WorkerProvider implements WorkerProvider {
  readonly name = 'ec2';
  private readonly client: EC2Client;
  private readonly sdk: Ec2Sdk;
  private readonly region: string;
  private readonly address: 'private' | 'public';
  private readonly imageCacheMs: number;
  /** Worker id -> the VM this provider launched or found for it (bounded, oldest dropped). */
  private readonly launched = new Map<string, string>();
  private readonly images = new Map<
    string,
    { at: number; image: Promise<ResolvedImage> }
  >();

  constructor(options: Ec2WorkerProviderOptions) {
    this.region = options.region;
    this.address = options.address ?? 'private';
    this.imageCacheMs = options.imageCacheMs ?? 60_000;
    this.sdk = loadEc2Sdk();
    this.client = new this.sdk.EC2Client({
      region: options.region,
      retryMode: 'standard',
      maxAttempts: options.maxAttempts ?? 5,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  async provision(request: ProvisionRequest): Promise<CloudInstance> {
    if (!request.idempotencyKey) {
      throw new InvalidParameter('idempotencyKey', 'must not be empty');
    }
    if (request.region !== this.region) {
      throw new InvalidParameter(
        'region',
        `this provider starts workers in ${this.region}, not ${request.region}`,
      );
    }
    const known = this.launched.get(request.idempotencyKey);
    if (known !== undefined) {
      const status = await this.describe(known);
      if (status && isLive(status)) return this.reuse(request, status);
      return this.launchAfterLookup(request);
    }
    // One call on the common path: EC2 itself makes a repeated ClientToken return the same VM.
    const vm = await this.launch(request, 0);
    if (!isLive(vm)) return this.launchAfterLookup(request);
    return this.reuse(request, vm);
  }

  /**
   * The slow path, when the key was used before: the VMs tagged with the worker id decide. A live
   * one is returned; otherwise a new token (`<key>.<n>` after n VMs), since EC2 would hand back
   * the dead VM for the old one. Also what keeps moto (which ignores client tokens) idempotent
   * for a key this process launched.
   */
  private async launchAfterLookup(
    request: ProvisionRequest,
  ): Promise<CloudInstance> {
    const previous = await this.instancesOf(request.idempotencyKey);
    const live = previous.find(isLive);
    if (live) return this.reuse(request, live);
    return this.reuse(request, await this.launch(request, previous.length));
  }

  /** The VM of a key, remembered; another instance type under the same key is refused. */
  private reuse(
    request: ProvisionRequest,
    vm: CloudInstanceStatus,
  ): CloudInstance {
    if (vm.instanceType !== request.instanceType) {
      throw new InvalidParameter(
        'idempotencyKey',
        `worker ${request.idempotencyKey} already has a ${vm.instanceType} VM, not ${request.instanceType}`,
      );
    }
    this.launched.delete(request.idempotencyKey);
    this.launched.set(request.idempotencyKey, vm.id);
    if (this.launched.size > MAX_REMEMBERED) {
      this.launched.delete(this.launched.keys().next().value as string);
    }
    return { ...vm, provider: this.name };
  }

  /** RunInstances for the request; `generation` counts the earlier VMs of its key. */
  private async launch(
    request: ProvisionRequest,
    generation: number,
  ): Promise<CloudInstanceStatus> {
    const image = await this.resolveImage(request);
    const tags = {
      ...buildManagedTags(request),
      [REGION_TAG]: request.region,
      [AMI_NAME_TAG]: image.name,
    };
    const tagList = Object.entries(tags).map(([Key, Value]) => ({
      Key,
      Value,
    }));
    const launch = request.ec2 ?? {};
    const clientToken = (
      generation === 0
        ? request.idempotencyKey
        : `${request.idempotencyKey}.${generation}`
    ).slice(0, MAX_CLIENT_TOKEN);
    const input: RunInstancesCommandInput = {
      ImageId: image.id,
      InstanceType:
        request.instanceType as RunInstancesCommandInput['InstanceType'],
      MinCount: 1,
      MaxCount: 1,
      ClientToken: clientToken,
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tagList },
        { ResourceType: 'volume', Tags: tagList },
      ],
      ...(launch.securityGroupIds?.length
        ? { SecurityGroupIds: launch.securityGroupIds }
        : {}),
      ...(launch.keyName ? { KeyName: launch.keyName } : {}),
      ...(launch.iamInstanceProfile
        ? {
            IamInstanceProfile: launch.iamInstanceProfile.startsWith('arn:')
              ? { Arn: launch.iamInstanceProfile }
              : { Name: launch.iamInstanceProfile },
          }
        : {}),
      ...(launch.rootVolumeGb
        ? {
            BlockDeviceMappings: [
              {
                DeviceName: image.rootDeviceName ?? '/dev/sda1',
                Ebs: {
                  VolumeSize: launch.rootVolumeGb,
                  VolumeType: 'gp3',
                  DeleteOnTermination: true,
                },
              },
            ],
          }
        : {}),
      ...(launch.userData
        ? { UserData: Buffer.from(launch.userData, 'utf8').toString('base64') }
        : {}),
    };
    const subnets: (string | undefined)[] = launch.subnetIds?.length
      ? launch.subnetIds
      : [undefined];
    let lastError: unknown;
    for (const subnet of subnets) {
      try {
        const result = await this.client.send(
          new this.sdk.RunInstancesCommand({
            ...input,
            ...(subnet ? { SubnetId: subnet } : {}),
          }),
        );
        const instance = result.Instances?.[0];
        if (!instance) {
          throw new OperationFailed('RunInstances returned no instance', {
            reason: 'ec2',
          });
        }
        return this.toStatus(instance);
      } catch (error) {
        lastError = error;
        if (!isCapacityError(error)) break;
      }
    }
    throw toProviderError(lastError);
  }

  async start(cloudId: string): Promise<void> {
    const state = await this.requireState(cloudId);
    if (state === 'pending' || state === 'running') return;
    this.refuseOnDeadOrStopping(cloudId, state, 'start');
    await this.call(
      () =>
        this.client.send(
          new this.sdk.StartInstancesCommand({ InstanceIds: [cloudId] }),
        ),
      cloudId,
    );
  }

  async stop(cloudId: string): Promise<void> {
    const state = await this.requireState(cloudId);
    if (state === 'stopping' || state === 'stopped') return;
    this.refuseOnDeadOrStopping(cloudId, state, 'stop');
    await this.call(
      () =>
        this.client.send(
          new this.sdk.StopInstancesCommand({ InstanceIds: [cloudId] }),
        ),
      cloudId,
    );
  }

  async terminate(cloudId: string): Promise<void> {
    requireId(cloudId);
    try {
      await this.client.send(
        new this.sdk.TerminateInstancesCommand({ InstanceIds: [cloudId] }),
      );
    } catch (error) {
      if (awsErrorCode(error) === 'InvalidInstanceID.NotFound') return;
      throw toProviderError(error, { cloudId, field: 'cloudId' });
    }
  }

  async describe(cloudId: string): Promise<CloudInstanceStatus | undefined> {
    requireId(cloudId);
    let instance: Instance | undefined;
    try {
      const result = await this.client.send(
        new this.sdk.DescribeInstancesCommand({ InstanceIds: [cloudId] }),
      );
      instance = result.Reservations?.flatMap((r) => r.Instances ?? [])[0];
    } catch (error) {
      if (awsErrorCode(error) === 'InvalidInstanceID.NotFound')
        return undefined;
      throw toProviderError(error, { cloudId, field: 'cloudId' });
    }
    if (!instance) return undefined;
    const status = this.toStatus(instance);
    if (status.state !== 'running') return status;
    const checks = await this.call(
      () =>
        this.client.send(
          new this.sdk.DescribeInstanceStatusCommand({
            InstanceIds: [cloudId],
            IncludeAllInstances: true,
          }),
        ),
      cloudId,
    );
    return { ...status, checks: checksOf(checks.InstanceStatuses?.[0]) };
  }

  async listManaged(
    options: ListManagedOptions = {},
  ): Promise<CloudInstanceStatus[]> {
    return this.list([
      { Name: `tag:${MANAGED_BY_TAG}`, Values: [MANAGED_BY_VALUE] },
      {
        Name: 'instance-state-name',
        Values: options.includeTerminated
          ? [...CLOUD_INSTANCE_STATES]
          : LIVE_STATES,
      },
    ]);
  }

  /**
   * Not offered: utilisation lives in CloudWatch, which this provider does not call (and the
   * controller does not need). Unknown ids still answer InstanceNotFound.
   */
  async metrics(cloudId: string): Promise<InstanceMetrics> {
    await this.requireState(cloudId);
    throw new OperationFailed(
      'instance metrics come from CloudWatch, which the EC2 provider does not read',
      { retryable: false, reason: 'not_supported' },
    );
  }

  /** Releases the SDK client's sockets. */
  close(): void {
    this.client.destroy();
  }

  /** Every VM (any state) tagged with this worker id, oldest first. */
  private async instancesOf(workerId: string): Promise<CloudInstanceStatus[]> {
    const found = await this.list([
      { Name: `tag:${WORKER_ID_TAG}`, Values: [workerId] },
    ]);
    return found.sort((a, b) => a.launchedAt.localeCompare(b.launchedAt));
  }

  private async list(filters: Filter[]): Promise<CloudInstanceStatus[]> {
    const statuses: CloudInstanceStatus[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(() =>
        this.client.send(
          new this.sdk.DescribeInstancesCommand({
            Filters: filters,
            MaxResults: PAGE_SIZE,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          statuses.push(this.toStatus(instance));
        }
      }
      token = page.NextToken;
    } while (token);
    return statuses;
  }

  /** `lookupImage`, reused for `imageCacheMs` (a failed lookup is not kept). */
  private resolveImage(request: ProvisionRequest): Promise<ResolvedImage> {
    const launch = request.ec2 ?? {};
    const key = [
      launch.amiId,
      launch.amiOwner,
      request.amiName ?? request.amiPattern,
    ].join('|');
    const now = Date.now();
    const cached = this.images.get(key);
    if (cached && now - cached.at < this.imageCacheMs) return cached.image;
    const image = this.lookupImage(request);
    this.images.set(key, { at: now, image });
    image.catch(() => this.images.delete(key));
    return image;
  }

  /** The image to boot: `amiId`, else the newest `amiName`/`amiPattern` match of the owner. */
  private async lookupImage(request: ProvisionRequest): Promise<ResolvedImage> {
    const launch = request.ec2 ?? {};
    const byId = launch.amiId !== undefined;
    const field = byId
      ? 'ec2.amiId'
      : request.amiName
        ? 'amiName'
        : 'amiPattern';
    const result = await this.call(
      () =>
        this.client.send(
          new this.sdk.DescribeImagesCommand(
            byId
              ? { ImageIds: [launch.amiId as string] }
              : {
                  Owners: [launch.amiOwner ?? 'self'],
                  Filters: [
                    {
                      Name: 'name',
                      Values: [request.amiName ?? request.amiPattern],
                    },
                    { Name: 'state', Values: ['available'] },
                  ],
                },
          ),
        ),
      undefined,
      field,
    );
    const newest = (result.Images ?? [])
      .filter((image): image is Image & { ImageId: string } => !!image.ImageId)
      .sort(
        (a, b) =>
          (b.CreationDate ?? '').localeCompare(a.CreationDate ?? '') ||
          // Same second: the higher version name (CML-2.9.10 after CML-2.9.9).
          (b.Name ?? '').localeCompare(a.Name ?? '', 'en', { numeric: true }),
      )[0];
    if (!newest) {
      throw new InvalidParameter(
        field,
        byId
          ? `image ${launch.amiId} does not exist`
          : `no image named ${request.amiName ?? request.amiPattern} owned by ${launch.amiOwner ?? 'self'}`,
      );
    }
    return {
      id: newest.ImageId,
      name: newest.Name ?? newest.ImageId,
      ...(newest.RootDeviceName
        ? { rootDeviceName: newest.RootDeviceName }
        : {}),
    };
  }

  private async requireState(cloudId: string): Promise<CloudInstanceState> {
    const status = await this.describe(cloudId);
    if (!status) throw new InstanceNotFound(cloudId);
    return status.state;
  }

  private refuseOnDeadOrStopping(
    cloudId: string,
    state: CloudInstanceState,
    action: string,
  ): void {
    if (state === 'terminated' || state === 'shutting-down') {
      throw new OperationFailed(`cannot ${action} ${cloudId}: it is ${state}`, {
        retryable: false,
        reason: 'incorrect_state',
      });
    }
    if (state === 'stopping') {
      throw new OperationFailed(
        `cannot ${action} ${cloudId} while it is stopping`,
        {
          reason: 'incorrect_state',
        },
      );
    }
  }

  private async call<T>(
    send: () => Promise<T>,
    cloudId?: string,
    field?: string,
  ): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw toProviderError(error, {
        ...(cloudId !== undefined ? { cloudId } : {}),
        ...(field !== undefined ? { field } : {}),
      });
    }
  }

  private toStatus(instance: Instance): CloudInstanceStatus {
    const tags = Object.fromEntries(
      (instance.Tags ?? [])
        .filter((tag) => tag.Key !== undefined)
        .map((tag) => [tag.Key as string, tag.Value ?? '']),
    );
    const state = (instance.State?.Name ?? 'pending') as CloudInstanceState;
    const gone = state === 'terminated';
    const hostname =
      this.address === 'public'
        ? instance.PublicDnsName || instance.PublicIpAddress
        : instance.PrivateDnsName || instance.PrivateIpAddress;
    return {
      id: instance.InstanceId ?? '',
      state,
      checks: 'insufficient-data',
      ...(hostname && !gone ? { hostname } : {}),
      ...(instance.PrivateIpAddress && !gone
        ? { privateIp: instance.PrivateIpAddress }
        : {}),
      ...(instance.PublicIpAddress &&
      (state === 'pending' || state === 'running')
        ? { publicIp: instance.PublicIpAddress }
        : {}),
      amiName: tags[AMI_NAME_TAG] ?? instance.ImageId ?? '',
      instanceType: instance.InstanceType ?? '',
      region: tags[REGION_TAG] ?? this.region,
      launchedAt: (instance.LaunchTime ?? new Date(0)).toISOString(),
      tags,
    };
  }
}

interface ResolvedImage {
  id: string;
  name: string;
  rootDeviceName?: string;
}

/** Most worker ids remembered by one provider (a long-running controller sees many). */
const MAX_REMEMBERED = 10_000;

function isLive(vm: Pick<CloudInstanceStatus, 'state'>): boolean {
  return vm.state !== 'terminated' && vm.state !== 'shutting-down';
}

function requireId(cloudId: string): void {
  if (!cloudId) throw new InvalidParameter('cloudId', 'must not be empty');
}

/** EC2's instance and system checks as one value, the worst of the two. */
export function checksOf(status: InstanceStatus | undefined): InstanceChecks {
  const values = [status?.InstanceStatus?.Status, status?.SystemStatus?.Status];
  if (values.includes('impaired')) return 'impaired';
  if (values.includes('initializing')) return 'initializing';
  if (values.every((value) => value === 'ok')) return 'ok';
  return 'insufficient-data';
}
