// Validates every Kubernetes object in the YAML files of a directory (the Helm chart's `helm template`
// output) against the API's JSON schemas (kubernetes-models, which is ESM-only, hence a child
// process). The Prometheus Operator's ServiceMonitor, a custom resource kubernetes-models does not
// know, is checked for the fields the operator needs. Prints [{file, kind, name, errors}] as JSON.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const dir = process.argv[2];
const results = [];
for (const file of readdirSync(dir).filter(
  (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml',
)) {
  for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
    const object = doc.toJSON();
    if (!object) continue;
    const [group, version] = object.apiVersion.includes('/')
      ? object.apiVersion.split('/')
      : ['', object.apiVersion];
    const module = group
      ? `kubernetes-models/${group}/${version}`
      : `kubernetes-models/${version}`;
    let errors = [];
    if (
      object.apiVersion === 'monitoring.coreos.com/v1' &&
      object.kind === 'ServiceMonitor'
    ) {
      const endpoints = object.spec?.endpoints ?? [];
      if (!object.spec?.selector)
        errors.push('ServiceMonitor: spec.selector is required');
      if (endpoints.length === 0 || endpoints.some((e) => !e.port))
        errors.push('ServiceMonitor: spec.endpoints[].port is required');
      results.push({
        file,
        kind: object.kind,
        name: object.metadata?.name,
        errors,
      });
      continue;
    }
    try {
      const models = await import(module);
      const Model = models[object.kind];
      if (!Model)
        throw new Error(`unknown kind ${object.apiVersion} ${object.kind}`);
      new Model(object).validate();
    } catch (error) {
      errors = [String(error.message ?? error)];
    }
    results.push({
      file,
      kind: object.kind,
      name: object.metadata?.name,
      errors,
    });
  }
}
process.stdout.write(JSON.stringify(results));
