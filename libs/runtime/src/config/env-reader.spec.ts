import { randomBytes } from 'node:crypto';
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
    expect(config).toEqual({
      port: 8080,
      other: 5,
      flag: true,
      list: ['a', 'b', 'c'],
      mode: 'a',
    });
  });

  it('reports every invalid variable at once, naming each', () => {
    const env = new EnvReader({
      PORT: 'eighty',
      TTL: '0',
      MODE: 'c',
      FLAG: 'maybe',
    });
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
    for (const name of ['PORT', 'TTL', 'MODE', 'FLAG', 'SECRET'])
      expect(problems).toContain(name);
  });
});

describe('EnvReader.secret', () => {
  const problemsOf = (
    env: Record<string, string>,
    read: (r: EnvReader) => unknown,
  ): string[] => {
    const reader = new EnvReader(env);
    read(reader);
    try {
      reader.done({});
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };
  const secret = (value: string) =>
    problemsOf({ S: value }, (r) => r.secret('S'));

  it('accepts a random secret as openssl makes one', () => {
    expect(secret(randomBytes(32).toString('hex'))).toEqual([]);
    expect(secret(randomBytes(16).toString('hex'))).toEqual([]);
    expect(secret(randomBytes(32).toString('base64'))).toEqual([]);
    expect(new EnvReader({}).secret('S')).toBeUndefined();
  });

  it('refuses the examples LCM once shipped, naming the variable and saying how to make a secret', () => {
    for (const example of [
      'change-me-to-32-or-more-random-characters',
      'change-me-to-a-secret-of-32-characters',
      'REPLACE-ME-with-a-long-random-string-0123456789',
      'an-example-secret-for-the-readme-0123456789',
    ]) {
      const [problem] = secret(example);
      expect(problem).toMatch(
        /^S is a placeholder \(contains "[a-z-]+"\); make one with: openssl rand -hex 32$/,
      );
    }
  });

  it('refuses short and patterned secrets', () => {
    expect(secret('short')).toEqual([
      'S must be at least 32 characters; make one with: openssl rand -hex 32',
    ]);
    expect(secret('x'.repeat(64))).toEqual([
      'S is too weak (fewer than 8 distinct characters); make one with: openssl rand -hex 32',
    ]);
    expect(secret('ab'.repeat(20))).toHaveLength(1);
  });

  it('checks a password chosen elsewhere for placeholders only', () => {
    expect(
      problemsOf({ P: 'abc' }, (r) => r.secret('P', { minLength: 0 })),
    ).toEqual([]);
    expect(
      problemsOf({ P: 'changeme' }, (r) => r.secret('P', { minLength: 0 })),
    ).toHaveLength(1);
  });

  it('refuses a connection URI whose password is a placeholder, and accepts one without a password', () => {
    expect(
      problemsOf(
        { U: 'mongodb://lcm:change-me@mongo-0.mongo:27017/lcm' },
        (r) => r.uri('U'),
      ),
    ).toEqual([
      'U has a placeholder password (contains "change-me"); set the real password',
    ]);
    expect(
      problemsOf({ U: 'mongodb://lcm:s3cr%40t-9f2@mongo:27017/lcm' }, (r) =>
        r.uri('U'),
      ),
    ).toEqual([]);
    expect(
      problemsOf({ U: 'mongodb://127.0.0.1:27017/lcm' }, (r) => r.uri('U')),
    ).toEqual([]);
  });
});
