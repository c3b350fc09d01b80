import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { IsInt, Min } from 'class-validator';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { NotFound } from '@lcm/domain';
import { startService } from '../app/start-service';
import { createValidationPipe } from '../problems/validation-pipe';
import { AuthConfig } from './auth-config';
import { CurrentPrincipal, Public, Roles } from './auth.guard';
import { AuthModule } from './auth.module';
import { Principal } from './principal';
import { issueToken } from './token-verifier';

const SECRET = 'a-test-secret-that-is-long-enough-1234';

class CountDto {
  @IsInt()
  @Min(1)
  count!: number;
}

@Controller('probe')
class ProbeController {
  @Get('open') @Public() open() {
    return { ok: true };
  }
  @Get('me') me(@CurrentPrincipal() principal: Principal) {
    return principal;
  }
  @Get('admin') @Roles('admin') admin() {
    return { admin: true };
  }
  @Get('missing') missing(): never {
    throw new NotFound('instance', 'nope');
  }
  @Post('count') @Roles('admin', 'manager') count(
    @Body(createValidationPipe()) body: CountDto,
  ) {
    return body;
  }
}

async function serve(config: AuthConfig) {
  @Module({
    imports: [AuthModule.forRoot(config)],
    controllers: [ProbeController],
  })
  class ProbeModule {}
  return startService(ProbeModule, {
    service: 'probe',
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
  });
}

describe('bearer authentication and roles', () => {
  const hs: AuthConfig = {
    algorithm: 'HS256',
    secret: SECRET,
    rolesClaim: 'roles',
  };
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const started = await serve(hs);
    url = started.url;
    close = () => started.app.close();
  });
  afterAll(() => close());

  const get = (path: string, token?: string) =>
    fetch(`${url}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it('lets anyone reach a public route', async () => {
    expect((await get('/probe/open')).status).toBe(200);
  });

  it('answers 401 problem+json without a token, with a forged one, and with an expired one', async () => {
    const forged = await issueToken('another-secret-that-is-long-enough-xyz', {
      subject: 'mallory',
      roles: ['admin'],
    });
    const expired = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .setIssuedAt(1_000)
      .setExpirationTime(2_000)
      .sign(new TextEncoder().encode(SECRET));
    for (const token of [undefined, forged, expired, 'not-a-jwt']) {
      const res = await get('/probe/me', token);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain(
        'application/problem+json',
      );
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect(await res.json()).toMatchObject({
        type: 'urn:lcm:problem:unauthorized',
        status: 401,
      });
    }
  });

  it('answers 403 when the caller lacks every required role, 200 with one of them', async () => {
    const viewer = await issueToken(SECRET, {
      subject: 'v',
      roles: ['viewer'],
    });
    const admin = await issueToken(SECRET, { subject: 'a', roles: ['admin'] });
    const forbidden = await get('/probe/admin', viewer);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({
      type: 'urn:lcm:problem:forbidden',
    });
    expect((await get('/probe/admin', admin)).status).toBe(200);
    expect(await (await get('/probe/me', viewer)).json()).toEqual({
      subject: 'v',
      roles: ['viewer'],
    });
  });

  it('maps errors to problems: domain not-found 404, bad JSON 400, invalid fields 400 naming them', async () => {
    const admin = await issueToken(SECRET, { subject: 'a', roles: ['admin'] });
    const missing = await get('/probe/missing', admin);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      type: 'urn:lcm:problem:not-found',
      detail: 'instance nope not found',
    });

    const post = (body: string) =>
      fetch(`${url}/probe/count`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${admin}`,
          'content-type': 'application/json',
        },
        body,
      });
    const badJson = await post('{"count":');
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({
      type: 'urn:lcm:problem:invalid-json',
    });
    const invalid = await post('{"count":0,"extra":true}');
    expect(invalid.status).toBe(400);
    const problem = (await invalid.json()) as { errors: { field: string }[] };
    expect(problem.errors.map((e) => e.field).sort()).toEqual([
      'count',
      'extra',
    ]);
    expect((await post('{"count":3}')).status).toBe(201);
  });
});

describe('RS256 tokens and a nested roles claim (Keycloak realm_access.roles)', () => {
  it('verifies with the public key and reads roles from the configured claim path', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const started = await serve({
      algorithm: 'RS256',
      publicKeyPem: await exportSPKI(publicKey),
      rolesClaim: 'realm_access.roles',
      issuer: 'https://idp.example',
      audience: 'lcm',
    });
    try {
      const sign = (iss: string) =>
        new SignJWT({ realm_access: { roles: ['admin', 'offline_access'] } })
          .setProtectedHeader({ alg: 'RS256' })
          .setSubject('kc-user')
          .setIssuer(iss)
          .setAudience('lcm')
          .setExpirationTime('5m')
          .sign(privateKey);
      const ok = await fetch(`${started.url}/probe/admin`, {
        headers: {
          authorization: `Bearer ${await sign('https://idp.example')}`,
        },
      });
      expect(ok.status).toBe(200);
      const wrongIssuer = await fetch(`${started.url}/probe/admin`, {
        headers: {
          authorization: `Bearer ${await sign('https://evil.example')}`,
        },
      });
      expect(wrongIssuer.status).toBe(401);
    } finally {
      await started.app.close();
    }
  });
});
