import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

const root = join(__dirname, '..');
const APPS = ['api', 'scheduler', 'controller', 'audit-sink'];

describe('Kubernetes manifests', () => {
  const results = JSON.parse(execFileSync(process.execPath, [join(__dirname, 'validate-k8s.mjs'), join(root, 'k8s')], { cwd: join(root, '..') }).toString()) as { file: string; kind: string; name: string; errors: string[] }[];

  it('are accepted by the Kubernetes API schemas', () => {
    expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(3 + APPS.length * 3);
  });

  it('are really checked: a Deployment with a port named by a number is rejected', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lcm-k8s-'));
    try {
      writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: c, image: i, ports: [{containerPort: not-a-number}]}]\n');
      const [bad] = JSON.parse(execFileSync(process.execPath, [join(__dirname, 'validate-k8s.mjs'), dir], { cwd: join(root, '..') }).toString()) as { errors: string[] }[];
      expect(bad.errors.join('\n')).toMatch(/containerPort/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('give every app a Deployment with probes on /healthz and /readyz, a Service and a PodDisruptionBudget', () => {
    for (const app of APPS) {
      const kinds = results.filter((r) => r.name === `lcm-${app}`).map((r) => r.kind).sort();
      expect(kinds).toEqual(['Deployment', 'PodDisruptionBudget', 'Service']);
      const [deployment] = parseAllDocuments(readFileSync(join(root, 'k8s', `${app}.yaml`), 'utf8')).map((d) => d.toJSON());
      const container = deployment.spec.template.spec.containers[0];
      expect(container.readinessProbe.httpGet.path).toBe('/readyz');
      expect(container.livenessProbe.httpGet.path).toBe('/healthz');
      expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
      expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    }
  });

  it('run at least two replicas of each leader-elected service, so a standby can take over', () => {
    for (const app of ['scheduler', 'controller']) {
      const [deployment] = parseAllDocuments(readFileSync(join(root, 'k8s', `${app}.yaml`), 'utf8')).map((d) => d.toJSON());
      expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    }
  });

  it('list every manifest in the kustomization', () => {
    const kustomization = parse(readFileSync(join(root, 'k8s', 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    const files = [...new Set(results.map((r) => r.file))].sort();
    expect([...kustomization.resources].sort()).toEqual(files);
  });
});

describe('compose file', () => {
  const compose = parse(readFileSync(join(root, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, { depends_on?: Record<string, { condition: string }>; healthcheck?: unknown; deploy?: { replicas?: number }; build?: { args?: { APP?: string } } }> };

  it('runs etcd, MongoDB and the four apps, with two scheduler and two controller replicas', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['etcd', 'mongo', ...APPS]));
    expect(compose.services['scheduler'].deploy?.replicas).toBe(2);
    expect(compose.services['controller'].deploy?.replicas).toBe(2);
    for (const app of APPS) expect(compose.services[app].build?.args?.APP).toBe(app);
  });

  it('starts apps only once their servers are healthy', () => {
    for (const app of APPS) {
      const deps = compose.services[app].depends_on ?? {};
      expect(deps['etcd']?.condition).toBe('service_healthy');
      expect(deps['mongo']?.condition).toBe('service_healthy');
    }
    for (const server of ['etcd', 'mongo']) expect(compose.services[server].healthcheck).toBeDefined();
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

  it('builds on Node 24, installs production dependencies only, runs as a non-root user with a healthcheck', () => {
    expect(dockerfile).toMatch(/^ARG NODE_VERSION=24$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile).toMatch(/--build-arg APP=/);
  });
});

describe('Nx container targets', () => {
  const workspace = join(root, '..');
  const nx = (...args: string[]) => execFileSync(process.execPath, [require.resolve('nx/bin/nx'), ...args], { cwd: workspace, env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } }).toString();

  it('exist for exactly the four apps, so `nx affected -t container` builds only the images a change affects', () => {
    expect(nx('show', 'projects', '--with-target', 'container').split('\n').filter(Boolean).sort()).toEqual([...APPS].sort());
  });

  it('build the shared Dockerfile for the app by name', () => {
    const target = JSON.parse(nx('show', 'project', 'audit-sink', '--json')).targets.container as { options: { command: string }; inputs: string[] };
    expect(target.options.command).toBe('docker build -f docker/Dockerfile --build-arg APP=audit-sink -t lcm/audit-sink:latest .');
    // The image depends on the app and every library it uses.
    expect(target.inputs).toEqual(['production', '^production']);
  });
});
