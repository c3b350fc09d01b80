import {
  MAKE_A_SECRET,
  secretWeakness,
  uriPasswordWeakness,
} from './secret-strength';

/**
 * The one way LCM services read configuration: typed readers over the environment that collect every
 * problem, then `done()` throws a single ConfigError listing them all (fail fast, with a clear message).
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    const raw = this.env[name];
    return raw === undefined || raw === '' ? fallback : raw;
  }

  required(name: string): string {
    const value = this.string(name);
    if (value === undefined) this.problems.push(`${name} is required`);
    return value ?? '';
  }

  int(
    name: string,
    fallback: number,
    range: { min?: number; max?: number } = {},
  ): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value)) {
      this.problems.push(`${name} must be an integer, got "${raw}"`);
      return fallback;
    }
    if (
      (range.min !== undefined && value < range.min) ||
      (range.max !== undefined && value > range.max)
    ) {
      this.problems.push(
        `${name} must be between ${range.min ?? '-inf'} and ${range.max ?? 'inf'}, got ${value}`,
      );
      return fallback;
    }
    return value;
  }

  number(
    name: string,
    fallback: number,
    range: { min?: number; max?: number } = {},
  ): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (
      !Number.isFinite(value) ||
      (range.min !== undefined && value < range.min) ||
      (range.max !== undefined && value > range.max)
    ) {
      this.problems.push(
        `${name} must be a number between ${range.min ?? '-inf'} and ${range.max ?? 'inf'}, got "${raw}"`,
      );
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.string(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    this.problems.push(`${name} must be true or false, got "${raw}"`);
    return fallback;
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!(choices as readonly string[]).includes(raw)) {
      this.problems.push(
        `${name} must be one of ${choices.join(', ')}, got "${raw}"`,
      );
      return fallback;
    }
    return raw as T;
  }

  list(name: string, fallback: string[] = []): string[] {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /**
   * A secret (a signing key, a password): a placeholder, an example or a weak value is a problem whose
   * message says how to make a good one. `minLength` 0 checks for placeholders only (a password chosen
   * elsewhere, e.g. etcd's).
   */
  secret(
    name: string,
    options: { minLength?: number } = {},
  ): string | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const weakness = secretWeakness(value, options);
    if (weakness) this.problems.push(`${name} ${weakness}; ${MAKE_A_SECRET}`);
    return value;
  }

  /** A connection URI that may carry a password: a placeholder password is a problem. */
  uri(name: string): string | undefined {
    const value = this.string(name);
    const weakness =
      value === undefined ? undefined : uriPasswordWeakness(value);
    if (weakness)
      this.problems.push(`${name} ${weakness}; set the real password`);
    return value;
  }

  /** Records a problem found by a cross-field check. */
  problem(message: string): void {
    this.problems.push(message);
  }

  /** Throws one ConfigError with every problem seen, or returns `value`. */
  done<T>(value: T): T {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
    return value;
  }
}
