import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const workspace = join(__dirname, '../../../..');

/** Whether the AWS SDK's EC2 client is among the modules a fresh Node process loaded after `script`. */
function sdkLoadedAfter(script: string): boolean {
  const out = execFileSync(
    process.execPath,
    [
      '-r',
      '@swc-node/register',
      '-e',
      `${script}; process.stdout.write(String(Object.keys(require.cache).some((m) => m.includes('@aws-sdk/client-ec2'))));`,
    ],
    {
      cwd: workspace,
      env: {
        ...process.env,
        SWC_NODE_PROJECT: join(workspace, 'tsconfig.base.json'),
      },
    },
  ).toString();
  return out.trim().endsWith('true');
}

describe('the AWS SDK is loaded only by a process that uses EC2', () => {
  const index = JSON.stringify(join(__dirname, '../index.ts'));

  it('is not loaded by importing @lcm/providers (it costs ~70 MB of resident memory)', () => {
    expect(sdkLoadedAfter(`require(${index})`)).toBe(false);
  });

  it('is loaded when an Ec2WorkerProvider is built', () => {
    expect(
      sdkLoadedAfter(
        `new (require(${index}).Ec2WorkerProvider)({ region: 'us-east-1' })`,
      ),
    ).toBe(true);
  });
});
