import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { execSync } from 'node:child_process';
import { parse, stringify } from 'yaml';
import { CliError, usage } from './errors';

/** One place lcmctl can talk to: the api's URL and how to authenticate to it. */
export interface Context {
  name: string;
  server: string;
  /** A bearer token, or a command that prints one (run for each invocation: short-lived tokens). */
  token?: string;
  'token-command'?: string;
  /** A PEM file of the CA that signed the server's certificate, added to the system's CAs. */
  'ca-file'?: string;
}

export interface LcmConfig {
  'current-context'?: string;
  contexts: Context[];
}

/** `$LCMCONFIG`, else `lcm/config.yaml` in the user's configuration directory. */
export function configPath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env['LCMCONFIG']) return env['LCMCONFIG'];
  if (platform === 'win32' && env['APPDATA'])
    return join(env['APPDATA'], 'lcm', 'config.yaml');
  if (platform === 'darwin')
    return join(
      homedir(),
      'Library',
      'Application Support',
      'lcm',
      'config.yaml',
    );
  return join(
    env['XDG_CONFIG_HOME'] || join(homedir(), '.config'),
    'lcm',
    'config.yaml',
  );
}

export function readConfig(path: string): LcmConfig {
  if (!existsSync(path)) return { contexts: [] };
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(
      `${path} is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
  }
  const config = (raw ?? {}) as Partial<LcmConfig>;
  if (
    typeof config !== 'object' ||
    (config.contexts !== undefined && !Array.isArray(config.contexts))
  )
    throw new CliError(`${path}: contexts must be a list`);
  for (const context of config.contexts ?? []) {
    if (typeof context?.name !== 'string' || typeof context.server !== 'string')
      throw new CliError(`${path}: every context needs a name and a server`);
  }
  return {
    'current-context': config['current-context'],
    contexts: config.contexts ?? [],
  };
}

/** Written atomically, readable by the user only (it may hold a token). */
export function writeConfig(path: string, config: LcmConfig): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, stringify(config), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function checkServerUrl(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw usage(
      `server must be a URL like https://lcm.example.com, got "${server}"`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw usage(`server must be an http or https URL, got "${server}"`);
  return server.replace(/\/+$/, '');
}

/** `config set-context NAME`: creates or updates a context (only the fields given change). */
export function setContext(
  config: LcmConfig,
  name: string,
  fields: Partial<Omit<Context, 'name'>>,
): LcmConfig {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name))
    throw usage(`context name must be letters, digits, . _ - (got "${name}")`);
  if (fields.token !== undefined && fields['token-command'] !== undefined)
    throw usage('give --token or --token-command, not both');
  const existing = config.contexts.find((c) => c.name === name);
  if (!existing && fields.server === undefined)
    throw usage(`context "${name}" is new: --server is required`);
  const defined = Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined),
  ) as Partial<Context>;
  if (defined.server !== undefined)
    defined.server = checkServerUrl(defined.server);
  // A token replaces a token command and the other way round.
  const base: Partial<Context> = { ...existing };
  if (defined.token !== undefined) delete base['token-command'];
  if (defined['token-command'] !== undefined) delete base.token;
  const updated = { ...base, ...defined, name } as Context;
  const contexts = existing
    ? config.contexts.map((c) => (c.name === name ? updated : c))
    : [...config.contexts, updated];
  return {
    ...config,
    'current-context': config['current-context'] ?? name,
    contexts,
  };
}

export function useContext(config: LcmConfig, name: string): LcmConfig {
  if (!config.contexts.some((c) => c.name === name))
    throw new CliError(
      `no context named "${name}" (lcmctl config get-contexts lists them)`,
    );
  return { ...config, 'current-context': name };
}

/** The context to use: --context, else the current one; none is a one-line error saying how to add one. */
export function selectContext(
  config: LcmConfig,
  path: string,
  name?: string,
): Context {
  const wanted = name ?? config['current-context'];
  if (wanted === undefined)
    throw new CliError(
      `no context: add one with lcmctl config set-context NAME --server URL --token TOKEN (config file ${path})`,
    );
  const context = config.contexts.find((c) => c.name === wanted);
  if (!context) throw new CliError(`no context named "${wanted}" in ${path}`);
  return context;
}

/** The bearer token of a context: as written, or printed by its token command. */
export function resolveToken(context: Context): string | undefined {
  if (context['token-command'] !== undefined) {
    try {
      const token = execSync(context['token-command'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
      }).trim();
      if (token === '') throw new Error('it printed nothing');
      return token;
    } catch (error) {
      const reason =
        (error as { stderr?: string }).stderr?.toString().trim() ||
        (error instanceof Error ? error.message.split('\n')[0] : String(error));
      throw new CliError(
        `token command of context "${context.name}" failed: ${reason}`,
      );
    }
  }
  return context.token;
}
