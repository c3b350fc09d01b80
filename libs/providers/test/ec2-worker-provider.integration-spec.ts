import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  EC2Client,
  RegisterImageCommand,
} from '@aws-sdk/client-ec2';
import { describeWithServers, motoEndpoint } from '@lcm/testing';
import { randomBytes } from 'node:crypto';
import { Ec2WorkerProvider } from '../src/aws/ec2-worker-provider';
import { InvalidParameter } from '../src/ports/provider-errors';
import { provisionRequest } from './simulated-fixtures';
import { describeWorkerProviderContract } from './worker-provider-contract';

const REGION = 'us-east-1';
/** moto accepts any credentials; they only sign the requests. */
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

function rawClient(): EC2Client {
  return new EC2Client({
    region: REGION,
    endpoint: motoEndpoint(),
    credentials: CREDENTIALS,
  });
}

/** The CML images a template's `CML-2.9.*` pattern finds, registered in moto once per account. */
async function ensureCmlImages(client: EC2Client): Promise<string> {
  const existing = await client.send(
    new DescribeImagesCommand({
      Owners: ['self'],
      Filters: [{ Name: 'name', Values: ['CML-2.9.1'] }],
    }),
  );
  const found = existing.Images?.[0]?.ImageId;
  if (found) return found;
  await client.send(
    new RegisterImageCommand({
      Name: 'CML-2.9.0',
      RootDeviceName: '/dev/sda1',
    }),
  );
  const image = await client.send(
    new RegisterImageCommand({
      Name: 'CML-2.9.1',
      RootDeviceName: '/dev/sda1',
    }),
  );
  return image.ImageId as string;
}

/** An IAM instance profile in moto (no IAM client in the workspace: one signed-looking Query call). */
async function ensureInstanceProfile(name: string): Promise<void> {
  const response = await fetch(motoEndpoint(), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization:
        'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({
      Action: 'CreateInstanceProfile',
      Version: '2010-05-08',
      InstanceProfileName: name,
    }),
  });
  if (!response.ok && !(await response.text()).includes('EntityAlreadyExists'))
    throw new Error(`CreateInstanceProfile: ${response.status}`);
}

function provider(): Ec2WorkerProvider {
  return new Ec2WorkerProvider({
    region: REGION,
    endpoint: motoEndpoint(),
    credentials: CREDENTIALS,
    maxAttempts: 2,
  });
}

describeWithServers(['moto'])('Ec2WorkerProvider against moto', () => {
  beforeAll(async () => {
    await ensureCmlImages(rawClient());
  });

  describeWorkerProviderContract('EC2 (moto)', async () => {
    const ec2 = provider();
    return {
      provider: ec2,
      providerName: 'ec2',
      request: (workerId, overrides) =>
        provisionRequest(workerId, {
          instanceType: 'm5zn.metal',
          ...overrides,
        }),
      otherInstanceType: 'm5.large',
      elapse: (ms) =>
        new Promise((resolve) => setTimeout(resolve, Math.min(ms, 100))),
      close: async () => ec2.close(),
    };
  });

  it('launches from the template settings: newest image of the pattern, subnet, security group, key, profile, root volume, user data, tags', async () => {
    const client = rawClient();
    const vpc = await client.send(
      new CreateVpcCommand({ CidrBlock: '10.42.0.0/16' }),
    );
    const vpcId = vpc.Vpc?.VpcId as string;
    const subnet = await client.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.42.1.0/24' }),
    );
    const group = await client.send(
      new CreateSecurityGroupCommand({
        VpcId: vpcId,
        GroupName: `lcm-${randomBytes(3).toString('hex')}`,
        Description: 'workers',
      }),
    );
    await ensureInstanceProfile('lcm-worker');
    const workerId = `w-${randomBytes(4).toString('hex')}`;
    const vm = await provider().provision(
      provisionRequest(workerId, {
        ec2: {
          subnetIds: [subnet.Subnet?.SubnetId as string],
          securityGroupIds: [group.GroupId as string],
          keyName: 'lcm-workers',
          iamInstanceProfile: 'lcm-worker',
          rootVolumeGb: 200,
          userData: '#cloud-config\nhostname: cml\n',
        },
      }),
    );
    expect(vm.amiName).toBe('CML-2.9.1');
    const described = await client.send(
      new DescribeInstancesCommand({ InstanceIds: [vm.id] }),
    );
    const instance = described.Reservations?.[0]?.Instances?.[0];
    expect(instance).toMatchObject({
      SubnetId: subnet.Subnet?.SubnetId,
      KeyName: 'lcm-workers',
      InstanceType: 'm5zn.metal',
      SecurityGroups: [expect.objectContaining({ GroupId: group.GroupId })],
    });
    const tags = Object.fromEntries(
      (instance?.Tags ?? []).map((t) => [t.Key, t.Value]),
    );
    expect(tags).toMatchObject({
      Name: `cml-worker-${workerId}`,
      ManagedBy: 'lcm',
      'lcm:worker-id': workerId,
      'lcm:template': 'personal-standard',
      'lcm:region': REGION,
      'lcm:ami-name': 'CML-2.9.1',
    });
    const userData = await client.send(
      new DescribeInstanceAttributeCommand({
        InstanceId: vm.id,
        Attribute: 'userData',
      }),
    );
    expect(
      Buffer.from(userData.UserData?.Value ?? '', 'base64').toString('utf8'),
    ).toBe('#cloud-config\nhostname: cml\n');
  });

  it('boots a pinned image id, and refuses an image that does not exist, an unknown subnet or another region', async () => {
    const imageId = await ensureCmlImages(rawClient());
    const pinned = await provider().provision(
      provisionRequest(`w-${randomBytes(4).toString('hex')}`, {
        ec2: { amiId: imageId },
      }),
    );
    expect(pinned.amiName).toBe('CML-2.9.1');
    const cases: [Partial<Parameters<typeof provisionRequest>[1]>, string][] = [
      [{ amiPattern: 'CML-9.*' }, 'amiPattern'],
      [{ ec2: { amiId: 'ami-0000000000000dead' } }, 'ec2.amiId'],
      [{ ec2: { subnetIds: ['subnet-00000000000000000'] } }, 'subnet'],
      [{ ec2: { iamInstanceProfile: 'no-such-profile' } }, 'request'],
      [{ region: 'eu-west-1' }, 'region'],
    ];
    for (const [overrides, field] of cases) {
      const error = await provider()
        .provision(
          provisionRequest(
            `w-${randomBytes(4).toString('hex')}`,
            overrides ?? {},
          ),
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(InvalidParameter);
      expect(error).toMatchObject({ field, retryable: false });
    }
  });

  it('reports running VMs with passed status checks as ok', async () => {
    const p = provider();
    const vm = await p.provision(
      provisionRequest(`w-${randomBytes(4).toString('hex')}`),
    );
    const status = await p.describe(vm.id);
    expect(status).toMatchObject({
      state: 'running',
      checks: 'ok',
      privateIp: expect.any(String),
    });
    expect(status?.hostname).toMatch(/\.internal$/);
  });
});
