/* eslint-disable @typescript-eslint/no-explicit-any -- rendered Kubernetes objects are read as plain JSON */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

const root = join(__dirname, '..');
const workspace = join(root, '..');
const chart = join(root, 'helm', 'lcm');
const APPS = ['api', 'scheduler', 'controller', 'audit-sink'];
const LEADER_ELECTED = ['scheduler', 'controller'];
/** The apps that verify bearer tokens; the others must not be handed the JWT secret. */
const TOKEN_VERIFIERS = ['api', 'audit-sink'];

// helm is built into .tools/bin by tools/bootstrap/bootstrap.sh; in CI a missing helm is a failure.
const helmBinary = [join(workspace, '.tools', 'bin', 'helm'), 'helm'].find(
  (h) => spawnSync(h, ['version'], { stdio: 'ignore' }).status === 0,
);
if (!helmBinary && process.env['CI'] === 'true')
  throw new Error(
    'helm is missing: run tools/bootstrap/bootstrap.sh (it builds helm into .tools/bin)',
  );
const describeHelm = helmBinary ? describe : describe.skip;

function helm(...args: string[]): {
  status: number;
  stdout: string;
  stderr: string;
} {
  const result = spawnSync(helmBinary as string, args, {
    cwd: workspace,
    encoding: 'utf8',
  });
  return {
    status: result.status ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

type Result = { file: string; kind: string; name: string; errors: string[] };

function validate(dir: string): Result[] {
  return JSON.parse(
    execFileSync(process.execPath, [join(__dirname, 'validate-k8s.mjs'), dir], {
      cwd: workspace,
    }).toString(),
  ) as Result[];
}

/** `helm template` of the chart with the given values, validated against the Kubernetes schemas. */
function render(...args: string[]): { objects: any[]; results: Result[] } {
  const out = helm('template', 'lcm', chart, '--namespace', 'lcm', ...args);
  if (out.status !== 0)
    throw new Error(`helm template ${args.join(' ')} failed: ${out.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), 'lcm-helm-'));
  try {
    writeFileSync(join(dir, 'rendered.yaml'), out.stdout);
    return {
      objects: parseAllDocuments(out.stdout)
        .map((d) => d.toJSON())
        .filter(Boolean),
      results: validate(dir),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const find = (objects: any[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);
const envOf = (deployment: any): any[] =>
  deployment.spec.template.spec.containers[0].env;
const envNames = (deployment: any): string[] =>
  envOf(deployment).map((e: any) => e.name);
const demoValues = join(chart, 'ci', 'demo-values.yaml');
const productionValues = join(chart, 'ci', 'production-values.yaml');

describeHelm('Helm chart (docker/helm/lcm)', () => {
  const demo = render('-f', demoValues);
  const production = render('-f', productionValues);

  it('passes helm lint --strict with the demo and the production values', () => {
    for (const values of [demoValues, productionValues]) {
      const lint = helm('lint', '--strict', chart, '-f', values);
      expect({
        values,
        status: lint.status,
        output: lint.status === 0 ? '' : lint.stdout + lint.stderr,
      }).toEqual({ values, status: 0, output: '' });
    }
  });

  it('renders manifests the Kubernetes API schemas accept', () => {
    for (const { results } of [demo, production]) {
      expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
      expect(results.length).toBeGreaterThanOrEqual(1 + APPS.length * 4);
    }
  });

  it('is really checked: a Deployment with a port named by a number is rejected', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lcm-k8s-'));
    try {
      writeFileSync(
        join(dir, 'bad.yaml'),
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: c, image: i, ports: [{containerPort: not-a-number}]}]\n',
      );
      const [bad] = validate(dir);
      expect(bad.errors.join('\n')).toMatch(/containerPort/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives every app a Deployment with probes, a preStop delay and a locked-down container, a Service, a PodDisruptionBudget and a NetworkPolicy', () => {
    for (const app of APPS) {
      const name = `lcm-${app}`;
      const kinds = demo.results
        .filter((r) => r.name === name)
        .map((r) => r.kind)
        .sort();
      expect({ app, kinds }).toEqual({
        app,
        kinds: [
          'Deployment',
          ...(app === 'api' ? ['HorizontalPodAutoscaler'] : []),
          'NetworkPolicy',
          'PodDisruptionBudget',
          'Service',
        ],
      });
      const deployment = find(demo.objects, 'Deployment', name);
      const container = deployment.spec.template.spec.containers[0];
      expect(container.image).toBe(`lcm/${app}:latest`);
      expect(container.readinessProbe.httpGet.path).toBe('/readyz');
      expect(container.livenessProbe.httpGet.path).toBe('/healthz');
      expect(container.lifecycle.preStop.sleep.seconds).toBeGreaterThan(0);
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
      });
      expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(
        true,
      );
      expect(envOf(deployment)).toContainEqual({
        name: 'MONGODB_URI',
        valueFrom: {
          secretKeyRef: { name: 'lcm-secrets', key: 'MONGODB_URI' },
        },
      });
    }
    const production = render('-f', productionValues).objects;
    expect(
      find(production, 'Deployment', 'lcm-api').spec.template.spec.containers[0]
        .image,
    ).toBe('registry.example.com/platform/lcm/api:1.4.2');
  });

  it("runs each app with its image's command (the node flags the Dockerfile sets: no command or args here)", () => {
    for (const app of APPS) {
      const container = find(demo.objects, 'Deployment', `lcm-${app}`).spec
        .template.spec.containers[0];
      expect({ app, command: container.command, args: container.args }).toEqual(
        { app, command: undefined, args: undefined },
      );
    }
  });

  it('runs the leader-elected services at least twice, spread over nodes, and refuses fewer replicas', () => {
    for (const app of LEADER_ELECTED) {
      const deployment = find(demo.objects, 'Deployment', `lcm-${app}`);
      expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
      const soft =
        deployment.spec.template.spec.affinity.podAntiAffinity
          .preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm;
      expect(soft).toMatchObject({
        topologyKey: 'kubernetes.io/hostname',
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': app } },
      });
      const hard = find(production.objects, 'Deployment', `lcm-${app}`).spec
        .template.spec.affinity.podAntiAffinity
        .requiredDuringSchedulingIgnoredDuringExecution;
      expect(hard[0].topologyKey).toBe('kubernetes.io/hostname');
      expect(envNames(deployment)).toContain(`${app.toUpperCase()}_REPLICA_ID`);
      const refused = helm(
        'template',
        'lcm',
        chart,
        '-f',
        demoValues,
        '--set',
        `apps.${app}.replicas=1`,
      );
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toMatch(
        new RegExp(`apps.${app}.replicas: at least 2`),
      );
    }
    expect(
      find(demo.objects, 'Deployment', 'lcm-api').spec.template.spec.affinity,
    ).toBeUndefined();
  });

  it('scales the api with an HPA on its Deployment (which then leaves replicas to the HPA)', () => {
    const hpa = find(production.objects, 'HorizontalPodAutoscaler', 'lcm-api');
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: 'lcm-api' },
      minReplicas: 4,
      maxReplicas: 20,
    });
    expect(
      find(production.objects, 'Deployment', 'lcm-api').spec.replicas,
    ).toBeUndefined();
    const fixed = render(
      '-f',
      demoValues,
      '--set',
      'apps.api.autoscaling.enabled=false',
      '--set',
      'apps.api.replicas=5',
    ).objects;
    expect(find(fixed, 'HorizontalPodAutoscaler', 'lcm-api')).toBeUndefined();
    expect(find(fixed, 'Deployment', 'lcm-api').spec.replicas).toBe(5);
  });

  it('hands the JWT secret only to the apps that verify tokens, and ships no secret value', () => {
    for (const app of APPS) {
      const names = envNames(find(demo.objects, 'Deployment', `lcm-${app}`));
      expect({ app, jwt: names.includes('AUTH_JWT_SECRET') }).toEqual({
        app,
        jwt: TOKEN_VERIFIERS.includes(app),
      });
    }
    for (const { objects } of [demo, production])
      expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const api = find(demo.objects, 'Deployment', 'lcm-api');
    expect(envOf(api)).toContainEqual({
      name: 'AUTH_JWT_SECRET',
      valueFrom: {
        secretKeyRef: { name: 'lcm-secrets', key: 'AUTH_JWT_SECRET' },
      },
    });
    // JWKS instead: no secret at all, the URL, issuer and audience to the token verifiers only.
    for (const app of APPS) {
      const env = envOf(find(production.objects, 'Deployment', `lcm-${app}`));
      const verifier = TOKEN_VERIFIERS.includes(app);
      expect({
        app,
        jwks: env.some((e: any) => e.name === 'AUTH_JWKS_URL'),
        secret: env.some((e: any) => e.name === 'AUTH_JWT_SECRET'),
      }).toEqual({ app, jwks: verifier, secret: false });
    }
  });

  it('mounts an RS256 public key from a Secret as a file', () => {
    const objects = render(
      '-f',
      demoValues,
      '--set',
      'auth.jwtSecret.secretName=',
      '--set',
      'auth.publicKey.secretName=lcm-jwt-public',
    ).objects;
    const api = find(objects, 'Deployment', 'lcm-api');
    expect(envOf(api)).toContainEqual({
      name: 'AUTH_JWT_PUBLIC_KEY_FILE',
      value: '/etc/lcm/auth/public.pem',
    });
    expect(api.spec.template.spec.volumes).toContainEqual({
      name: 'auth-public-key',
      secret: { secretName: 'lcm-jwt-public' },
    });
    expect(
      find(
        objects,
        'Deployment',
        'lcm-scheduler',
      ).spec.template.spec.volumes.map((v: any) => v.name),
    ).not.toContain('auth-public-key');
  });

  it('connects to etcd over TLS with a password from Secrets', () => {
    const scheduler = find(production.objects, 'Deployment', 'lcm-scheduler');
    const env = envOf(scheduler);
    expect(env).toEqual(
      expect.arrayContaining([
        { name: 'ETCD_USERNAME', value: 'lcm' },
        {
          name: 'ETCD_PASSWORD',
          valueFrom: { secretKeyRef: { name: 'lcm-etcd', key: 'password' } },
        },
        { name: 'ETCD_CA_FILE', value: '/etc/lcm/etcd-tls/ca.crt' },
        { name: 'ETCD_CERT_FILE', value: '/etc/lcm/etcd-tls/tls.crt' },
        { name: 'ETCD_KEY_FILE', value: '/etc/lcm/etcd-tls/tls.key' },
      ]),
    );
    expect(scheduler.spec.template.spec.volumes).toContainEqual({
      name: 'etcd-tls',
      secret: { secretName: 'lcm-etcd-tls' },
    });
    expect(
      find(production.objects, 'ConfigMap', 'lcm-config').data.ETCD_ENDPOINTS,
    ).toBe(
      'https://etcd-0.etcd:2379,https://etcd-1.etcd:2379,https://etcd-2.etcd:2379',
    );
  });

  it('points the controller at a data plane that exists: the demo sim-cloud Service, or the configured EC2 + CML with its credentials', () => {
    const controller = envOf(
      find(demo.objects, 'Deployment', 'lcm-controller'),
    );
    const url = controller.find((e: any) => e.name === 'PROVIDER_URL')
      .value as string;
    const service = find(demo.objects, 'Service', new URL(url).hostname);
    expect(service).toBeDefined();
    expect(
      find(demo.objects, 'Deployment', service.metadata.name).spec.template.spec
        .containers[0].image,
    ).toBe('lcm/sim-cloud:latest');
    const real = envOf(
      find(production.objects, 'Deployment', 'lcm-controller'),
    );
    expect(real).toEqual(
      expect.arrayContaining([
        { name: 'PROVIDER', value: 'aws' },
        { name: 'LAB_RUNTIME', value: 'cml' },
        { name: 'CML_URL_TEMPLATE', value: 'https://{host}/' },
        {
          name: 'CML_PASSWORD',
          valueFrom: {
            secretKeyRef: { name: 'lcm-provider', key: 'cml-password' },
          },
        },
      ]),
    );
    // The controller refuses to start without both PROVIDER and LAB_RUNTIME: the demo sets them too.
    expect(controller).toEqual(
      expect.arrayContaining([
        { name: 'PROVIDER', value: 'http' },
        { name: 'LAB_RUNTIME', value: 'http' },
      ]),
    );
    expect(
      find(production.objects, 'Deployment', 'lcm-sim-cloud'),
    ).toBeUndefined();
    // Provider settings go to the controller only.
    expect(
      envNames(find(production.objects, 'Deployment', 'lcm-api')),
    ).not.toContain('CML_PASSWORD');
  });

  it('refuses to render without a token verifier, with two of them, or without a data plane, saying what to set', () => {
    const cases: [string[], RegExp][] = [
      [
        ['--set', 'auth.jwtSecret.secretName='],
        /set exactly one of auth.jwtSecret.secretName .*openssl rand -hex 32/,
      ],
      [
        ['-f', demoValues, '--set', 'auth.jwksUrl=https://idp/jwks'],
        /set exactly one of/,
      ],
      [[], /provider.url is required/],
      [
        ['-f', demoValues, '--set', 'etcd.tls.enabled=true'],
        /etcd.tls.secretName is required/,
      ],
    ];
    for (const [args, message] of cases) {
      const out = helm('template', 'lcm', chart, ...args);
      expect({ args, status: out.status }).toEqual({ args, status: 1 });
      expect(out.stderr).toMatch(message);
    }
  });

  it('admits only this release and metrics scrapers to the internal apps, and optionally adds ServiceMonitors', () => {
    const policy = find(demo.objects, 'NetworkPolicy', 'lcm-controller');
    expect(policy.spec.ingress[0].from[0].podSelector.matchLabels).toEqual({
      'app.kubernetes.io/instance': 'lcm',
      'app.kubernetes.io/part-of': 'lcm',
    });
    expect(
      find(demo.objects, 'NetworkPolicy', 'lcm-api').spec.ingress[0].from,
    ).toBeUndefined();
    expect(
      find(production.objects, 'NetworkPolicy', 'lcm-api').spec.ingress[0].from,
    ).toEqual([
      {
        namespaceSelector: {
          matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' },
        },
      },
    ]);
    expect(demo.objects.filter((o) => o.kind === 'ServiceMonitor')).toEqual([]);
    expect(
      production.objects
        .filter((o) => o.kind === 'ServiceMonitor')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(APPS.map((a) => `lcm-${a}`).sort());
  });

  it('is the only Kubernetes manifest source (no second copy to drift)', () => {
    expect(existsSync(join(root, 'k8s'))).toBe(false);
  });
});

describe('compose file', () => {
  const compose = parse(readFileSync(join(root, 'compose.yaml'), 'utf8'), {
    merge: true,
  }) as {
    services: Record<
      string,
      {
        image?: string;
        command?: unknown;
        environment?: Record<string, string>;
        depends_on?: Record<string, { condition: string }>;
        healthcheck?: unknown;
        deploy?: { replicas?: number };
        build?: { target?: string; args?: { APP?: string } };
      }
    >;
  };

  it('runs etcd, MongoDB, the demo sim-cloud and the four apps, with two scheduler and two controller replicas', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['etcd', 'mongo', 'sim-cloud', ...APPS]),
    );
    expect(compose.services['scheduler'].deploy?.replicas).toBe(2);
    expect(compose.services['controller'].deploy?.replicas).toBe(2);
    for (const app of APPS)
      expect(compose.services[app].build?.args?.APP).toBe(app);
    for (const app of APPS)
      expect(compose.services[app].image).toBe(`lcm/${app}:latest`);
  });

  it('starts apps only once their servers are healthy', () => {
    for (const app of APPS) {
      const deps = compose.services[app].depends_on ?? {};
      expect(deps['etcd']?.condition).toBe('service_healthy');
      expect(deps['mongo']?.condition).toBe('service_healthy');
    }
    expect(
      compose.services['controller'].depends_on?.['sim-cloud']?.condition,
    ).toBe('service_healthy');
    for (const server of ['etcd', 'mongo', 'sim-cloud'])
      expect(compose.services[server].healthcheck).toBeDefined();
  });

  it("runs each app with its image's command (the node flags the Dockerfile sets)", () => {
    for (const app of APPS)
      expect({ app, command: compose.services[app].command }).toEqual({
        app,
        command: undefined,
      });
  });

  it('hands the JWT secret only to the apps that verify tokens', () => {
    for (const app of APPS)
      expect({
        app,
        jwt: 'AUTH_JWT_SECRET' in (compose.services[app].environment ?? {}),
      }).toEqual({ app, jwt: TOKEN_VERIFIERS.includes(app) });
  });

  it('builds the sim-cloud from a stage that needs no APP, and points the controller at it', () => {
    const target = compose.services['sim-cloud'].build?.target as string;
    const stage = new RegExp(`^FROM (\\S+) AS ${target}$`, 'm').exec(
      readFileSync(join(root, 'Dockerfile'), 'utf8'),
    );
    expect(stage?.[1]).toBe('workspace');
    expect(compose.services['controller'].environment).toMatchObject({
      PROVIDER: 'http',
      PROVIDER_URL: 'http://sim-cloud:4000',
    });
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

  it('builds on Node 24, installs production dependencies only, runs as a non-root user under an init, with a healthcheck', () => {
    expect(dockerfile).toMatch(/^ARG NODE_VERSION=24$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*healthcheck\.js/m);
    expect(dockerfile).toMatch(/--build-arg APP=/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
  });

  /** The node flags of the app stage's CMD: the one home of the apps' node flags. */
  function imageNodeFlags(): string[] {
    const cmd = /^CMD (\["node",.*"main\.js"\])$/m.exec(dockerfile);
    if (!cmd) throw new Error('no CMD ["node", ..., "main.js"] line');
    return (JSON.parse(cmd[1]) as string[]).slice(1, -1);
  }

  it('runs an app with a bounded young and old generation (V8 would size both from the host memory, not the container limit)', () => {
    expect(dockerfile).toMatch(
      /^CMD \["node", "--max-semi-space-size=\d+", "--max-old-space-size=\d+", "main\.js"\]$/m,
    );
  });

  it('is the one home of the node flags: `nx serve` runs each app with them, npm start with them but the per-app heap cap', () => {
    const flags = imageNodeFlags();
    const nx = JSON.parse(
      readFileSync(join(workspace, 'nx.json'), 'utf8'),
    ) as any;
    expect(nx.targetDefaults.serve.options.runtimeArgs).toEqual(flags);
    for (const app of APPS) {
      const project = JSON.parse(
        readFileSync(join(workspace, 'apps', app, 'project.json'), 'utf8'),
      ) as any;
      expect({ app, serve: project.targets.serve.executor }).toEqual({
        app,
        serve: '@nx/js:node',
      });
      expect({ app, own: project.targets.serve.options?.runtimeArgs }).toEqual({
        app,
        own: undefined,
      });
    }
    const embedded = execFileSync(
      'bash',
      [join(workspace, 'tools/embedded/node-flags.sh')],
      { encoding: 'utf8' },
    )
      .trim()
      .split(' ');
    expect(embedded).toEqual(
      flags.filter((flag) => !flag.startsWith('--max-old-space-size=')),
    );
    expect(
      readFileSync(join(workspace, 'tools/embedded/run.sh'), 'utf8'),
    ).toMatch(/^exec node \$node_flags /m);
  });

  describe('healthcheck.js', () => {
    let server: ReturnType<typeof createServer>;
    let port: number;
    beforeAll(async () => {
      server = createServer((req, res) =>
        res.writeHead(req.url === '/healthz' ? 200 : 404).end(),
      );
      await new Promise<void>((resolve) =>
        server.listen(0, '127.0.0.1', resolve),
      );
      port = (server.address() as AddressInfo).port;
    });
    afterAll(
      () => new Promise<void>((resolve) => server.close(() => resolve())),
    );

    const check = (env: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const child = spawn(process.execPath, [join(root, 'healthcheck.js')], {
          env: { PATH: process.env['PATH'] ?? '', ...env },
          stdio: 'ignore',
        });
        child.on('exit', (code) => resolve(code ?? -1));
      });

    it("probes the app's own port variable, which wins over PORT", async () => {
      expect(
        await check({
          LCM_APP: 'audit-sink',
          AUDIT_SINK_PORT: String(port),
          PORT: '1',
        }),
      ).toBe(0);
      expect(await check({ LCM_APP: 'api', PORT: String(port) })).toBe(0);
      expect(
        await check({ LCM_APP: 'api', API_PORT: '1', PORT: String(port) }),
      ).toBe(1);
    });
  });
});

describe('Nx container targets', () => {
  const nx = (...args: string[]) =>
    execFileSync(process.execPath, [require.resolve('nx/bin/nx'), ...args], {
      cwd: workspace,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    }).toString();

  it('exist for exactly the four apps, so `nx affected -t container` builds only the images a change affects', () => {
    expect(
      nx('show', 'projects', '--with-target', 'container')
        .split('\n')
        .filter(Boolean)
        .sort(),
    ).toEqual([...APPS].sort());
  });

  it('build the shared Dockerfile for the app by name', () => {
    const target = JSON.parse(nx('show', 'project', 'audit-sink', '--json'))
      .targets.container as { options: { command: string }; inputs: string[] };
    expect(target.options.command).toBe(
      'docker build -f docker/Dockerfile --build-arg APP=audit-sink -t lcm/audit-sink:latest .',
    );
    // The image depends on the app and every library it uses.
    expect(target.inputs).toEqual(['production', '^production']);
  });
});
