import {
  cmlEmulator,
  describeWithServers,
  startLocalCmlEmulator,
} from '@lcm/testing';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CmlLabRuntime } from '../src/cml/cml-lab-runtime';
import { AuthenticationFailed } from '../src/ports/provider-errors';
import { describeLabRuntimeContract } from './lab-runtime-contract';
import { LAB_YAML } from './simulated-fixtures';

/** Each test gets a virtual CML host of its own on the run's emulator. */
function runtimeFor(
  url: string,
  credentials: { username: string; password: string },
): CmlLabRuntime {
  return new CmlLabRuntime({
    urlTemplate: `${url}hosts/{host}/`,
    credentials: () => credentials,
    pollMs: 50,
  });
}

const emulator = () => cmlEmulator();

describeWithServers(['cml'])('CmlLabRuntime against the CML emulator', () => {
  describeLabRuntimeContract('CML (emulator)', async () => {
    const { url, username, password } = emulator();
    const runtime = runtimeFor(url, { username, password });
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    const nowhere = new CmlLabRuntime({
      urlTemplate: 'http://127.0.0.1:1/{host}/',
      credentials: () => ({ username, password }),
    });
    return {
      runtime,
      host: `w-${randomBytes(4).toString('hex')}`,
      unreachable: { runtime: nowhere, host: 'w-nowhere' },
      elapse: (ms) =>
        new Promise((resolve) => setTimeout(resolve, Math.min(ms, 100))),
      close: async () => {
        runtime.close();
        nowhere.close();
      },
    };
  });

  it('reports the licence type, status and node limit', async () => {
    const { url, username, password } = emulator();
    const runtime = runtimeFor(url, { username, password });
    expect(
      await runtime.licensing(`w-${randomBytes(4).toString('hex')}`),
    ).toEqual({
      licenseType: 'PERSONAL',
      status: 'REGISTERED',
      detail: 'registration COMPLETED, authorization IN_COMPLIANCE',
      nodeLimit: 20,
      nodesInUse: 0,
    });
    runtime.close();
  });

  it.each([
    ['EVAL', 'EVALUATION'],
    ['EVAL_EXPIRED', 'EXPIRED'],
    ['OUT_OF_COMPLIANCE', 'INVALID'],
  ])(
    'reads an engine whose licensing authorization is %s as %s',
    async (authorization, status) => {
      const server = await startLocalCmlEmulator({
        licenseAuthorization: authorization,
      });
      const runtime = runtimeFor(server.url, {
        username: server.username,
        password: server.password,
      });
      try {
        expect(await runtime.licensing('w-licence')).toMatchObject({
          licenseType: 'PERSONAL',
          status,
          detail: expect.stringContaining(`authorization ${authorization}`),
        });
      } finally {
        runtime.close();
        await server.stop();
      }
    },
  );

  it('refuses wrong credentials with AuthenticationFailed that names neither password nor token', async () => {
    const { url, username } = emulator();
    const secret = `pw-${randomBytes(8).toString('hex')}`;
    const runtime = runtimeFor(url, { username, password: secret });
    const error = await runtime.listLabs('w-auth').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthenticationFailed);
    expect(error).toMatchObject({ retryable: false });
    expect(
      JSON.stringify({ message: (error as Error).message, error }),
    ).not.toContain(secret);
    runtime.close();
  });

  it('renews an expired token (401) with the credentials, without the caller noticing', async () => {
    const shortLived = await startLocalCmlEmulator({ tokenTtlSeconds: 1 });
    try {
      let asked = 0;
      const runtime = new CmlLabRuntime({
        urlTemplate: `${shortLived.url}hosts/{host}/`,
        credentials: () => {
          asked += 1;
          return {
            username: shortLived.username,
            password: shortLived.password,
          };
        },
      });
      const { labId } = await runtime.importLab('w-1', {
        idempotencyKey: 'inst-1',
        title: 't',
        yaml: LAB_YAML,
      });
      expect(asked).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(await runtime.labState('w-1', labId)).toBe('DEFINED');
      expect(asked).toBe(2);
      runtime.close();
    } finally {
      await shortLived.stop();
    }
  });

  it('verifies TLS certificates by default, and trusts a private CA given as a CA file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lcm-cml-tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const secure = await startLocalCmlEmulator({
      tls: { certFile: cert, keyFile: key },
    });
    const credentials = () => ({
      username: secure.username,
      password: secure.password,
    });
    const urlTemplate = `${secure.url}hosts/{host}/`;
    const untrusting = new CmlLabRuntime({ urlTemplate, credentials });
    const trusting = new CmlLabRuntime({
      urlTemplate,
      credentials,
      caFile: cert,
    });
    try {
      expect(secure.url).toMatch(/^https:/);
      expect(await untrusting.health('w-tls')).toEqual({
        status: 'UNAVAILABLE',
      });
      expect(
        await untrusting.listLabs('w-tls').catch((e: unknown) => e),
      ).toMatchObject({ code: 'LAB_ENGINE_UNAVAILABLE' });
      expect(await trusting.health('w-tls')).toMatchObject({
        status: 'AVAILABLE',
      });
      expect(await trusting.listLabs('w-tls')).toEqual([]);
    } finally {
      untrusting.close();
      trusting.close();
      await secure.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
