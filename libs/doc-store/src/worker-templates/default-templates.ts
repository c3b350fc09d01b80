import { join } from 'node:path';

/**
 * The seed file shipped with this library (`src/templates/worker-templates.yaml`). A bundled app
 * must copy it into its assets, or point WORKER_TEMPLATES_CONFIG_PATH at its own file.
 */
export function defaultWorkerTemplatesPath(): string {
  return join(__dirname, '..', 'templates', 'worker-templates.yaml');
}
