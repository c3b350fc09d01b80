import { ConfigError, EnvReader } from './env-reader';

describe('EnvReader', () => {
  it('uses defaults for unset variables and parses set ones', () => {
    const env = new EnvReader({ PORT: '8080', FLAG: 'yes', LIST: 'a, b,,c' });
    const config = env.done({
      port: env.int('PORT', 3000),
      other: env.int('OTHER', 5),
      flag: env.bool('FLAG', false),
      list: env.list('LIST'),
      mode: env.oneOf('MODE', ['a', 'b'] as const, 'a'),
    });
    expect(config).toEqual({ port: 8080, other: 5, flag: true, list: ['a', 'b', 'c'], mode: 'a' });
  });

  it('reports every invalid variable at once, naming each', () => {
    const env = new EnvReader({ PORT: 'eighty', TTL: '0', MODE: 'c', FLAG: 'maybe' });
    env.int('PORT', 3000);
    env.int('TTL', 10, { min: 1 });
    env.oneOf('MODE', ['a', 'b'] as const, 'a');
    env.bool('FLAG', false);
    env.required('SECRET');
    let error: unknown;
    try {
      env.done({});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'TTL', 'MODE', 'FLAG', 'SECRET']) expect(problems).toContain(name);
  });
});
