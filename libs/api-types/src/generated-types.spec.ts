import { readFileSync } from 'node:fs';
import { join } from 'node:path';

it('the generated API types come from the OpenAPI document committed beside them', () => {
  const document = JSON.parse(
    readFileSync(join(__dirname, 'generated/lcm-api.openapi.json'), 'utf8'),
  ) as { paths: Record<string, unknown> };
  const types = readFileSync(join(__dirname, 'generated/lcm-api.ts'), 'utf8');
  expect(Object.keys(document.paths).length).toBeGreaterThan(0);
  for (const path of Object.keys(document.paths))
    expect(types).toContain(`"${path}": {`);
});
