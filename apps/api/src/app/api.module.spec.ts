import { MemoryDocStore } from '@lcm/doc-store';
import { MemoryStateStore } from '@lcm/state-store';
import { startService } from '@lcm/runtime';
import { expectOpsEndpoints } from '@lcm/testing';
import { SECRET } from '../../test/api-harness';
import { loadApiConfig } from '../config';
import { ApiModule } from './api.module';

describe('ApiModule', () => {
  it('boots on shared memory stores and serves /healthz, /readyz and /metrics as api, without a token', async () => {
    const state = new MemoryStateStore();
    const docs = await MemoryDocStore.open();
    const config = loadApiConfig(
      {},
      {
        platform: {
          state: { driver: 'shared', prefix: '/lcm', store: state },
          docs: { driver: 'shared', store: docs },
        },
        auth: { algorithm: 'HS256', secret: SECRET, rolesClaim: 'roles' },
      },
    );
    const { app, url } = await startService(ApiModule.forRoot(config), {
      service: 'api',
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
    });
    try {
      await expectOpsEndpoints(url, 'api');
    } finally {
      await app.close();
    }
    await state.close();
    await docs.close();
  });

  it('refuses to start standalone without its servers and a token verifier, naming the missing settings', () => {
    expect(() => loadApiConfig({})).toThrow(
      /ETCD_ENDPOINTS is required[\s\S]*MONGODB_URI is required[\s\S]*AUTH_JWT_SECRET/,
    );
  });

  it('reads its settings from the environment and refuses bad ones all at once', () => {
    const env = {
      ETCD_ENDPOINTS: 'http://127.0.0.1:2379',
      MONGODB_URI: 'mongodb://127.0.0.1/lcm',
      AUTH_JWT_SECRET: SECRET,
    };
    const config = loadApiConfig({
      ...env,
      RATE_LIMIT_PER_MINUTE: '42',
      SSE_HEARTBEAT_SECONDS: '5',
      REGION: 'eu-west-1',
      LABLET_ENABLED: 'false',
    });
    expect(config).toMatchObject({
      rateLimitPerMinute: 42,
      sseHeartbeatSeconds: 5,
      region: 'eu-west-1',
      features: { labletEnabled: false },
      auth: { algorithm: 'HS256' },
    });
    expect(config.workerTemplatesFile).toMatch(/worker-templates\.yaml$/);
    expect(() =>
      loadApiConfig({
        ...env,
        AUTH_JWT_SECRET: 'short',
        RATE_LIMIT_PER_MINUTE: '0',
        WORKER_TEMPLATES_CONFIG_PATH: '/nope.yaml',
      }),
    ).toThrow(
      /WORKER_TEMPLATES_CONFIG_PATH: no file at \/nope\.yaml[\s\S]*AUTH_JWT_SECRET must be at least 32[\s\S]*RATE_LIMIT_PER_MINUTE/,
    );
  });

  it('refuses the placeholder secrets of the shipped examples, saying how to make real ones', () => {
    const env = {
      ETCD_ENDPOINTS: 'http://127.0.0.1:2379',
      MONGODB_URI: 'mongodb://lcm:change-me@mongo:27017/lcm',
      AUTH_JWT_SECRET: 'change-me-to-32-or-more-random-characters',
    };
    expect(() => loadApiConfig(env)).toThrow(
      /MONGODB_URI has a placeholder password[\s\S]*AUTH_JWT_SECRET is a placeholder \(contains "change-me"\); make one with: openssl rand -hex 32/,
    );
  });
});
