// Validates every Kubernetes object in docker/k8s against the API's JSON schemas (kubernetes-models,
// which is ESM-only, hence a child process). Prints [{file, kind, name, errors}] as JSON.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const dir = process.argv[2];
const results = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
  for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
    const object = doc.toJSON();
    if (!object) continue;
    const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
    const module = group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
    let errors = [];
    try {
      const models = await import(module);
      const Model = models[object.kind];
      if (!Model) throw new Error(`unknown kind ${object.apiVersion} ${object.kind}`);
      new Model(object).validate();
    } catch (error) {
      errors = [String(error.message ?? error)];
    }
    results.push({ file, kind: object.kind, name: object.metadata?.name, errors });
  }
}
process.stdout.write(JSON.stringify(results));
