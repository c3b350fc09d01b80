import { readFileSync } from 'node:fs';
import { defaultWorkerTemplatesPath } from './default-templates';
import { parseTemplateSeed } from './worker-template.seed';

describe('the shipped worker template seed file', () => {
  it('holds the two SPEC templates, valid, with ManagedBy: lcm', () => {
    const templates = parseTemplateSeed(readFileSync(defaultWorkerTemplatesPath(), 'utf8'));
    expect(templates.map((t) => t.name)).toEqual(['personal-standard', 'enterprise-large']);
    expect(templates[0]).toMatchObject({ licenseType: 'PERSONAL', maxNodes: 20, portRange: { start: 2000, end: 9999 }, startupTimeMinutes: 20 });
    expect(templates[1]).toMatchObject({ licenseType: 'ENTERPRISE', maxNodes: 500, capacity: { cpuCores: 48, memoryGb: 192, storageGb: 500 } });
    for (const t of templates) expect(t.tags['ManagedBy']).toBe('lcm');
  });

  it('refuses a file whose top level is not a mapping with templates', () => {
    expect(() => parseTemplateSeed('- a\n- b\n')).toThrow(expect.objectContaining({ field: 'seed' }));
    expect(() => parseTemplateSeed('templates: 3\n')).toThrow(expect.objectContaining({ field: 'templates' }));
    expect(() => parseTemplateSeed('templates: [\n')).toThrow(expect.objectContaining({ field: 'templates' }));
  });
});
