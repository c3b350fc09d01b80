import { stringify } from 'yaml';
import { usage } from './errors';

export const OUTPUT_FORMATS = [
  'table',
  'wide',
  'json',
  'yaml',
  'name',
] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function outputFormat(value: string | undefined): OutputFormat {
  const format = value ?? 'table';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format))
    throw usage(
      `unknown output format "${format}": use one of wide, json, yaml, name`,
    );
  return format as OutputFormat;
}

/** Where lcmctl writes; colour only when it is a terminal (and NO_COLOR is not set). */
export interface Out {
  write(text: string): void;
  colour: boolean;
}

export function terminalOut(
  stream: NodeJS.WriteStream = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): Out {
  return {
    write: (text) => void stream.write(text),
    colour:
      stream.isTTY === true &&
      env['NO_COLOR'] === undefined &&
      env['TERM'] !== 'dumb',
  };
}

const CODES = {
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  grey: 90,
  bold: 1,
} as const;
export type Colour = keyof typeof CODES;

export function paint(
  out: Pick<Out, 'colour'>,
  colour: Colour,
  text: string,
): string {
  return out.colour ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}

/** The colour of a lifecycle state: green when serving, yellow on the way, red when failed, grey when gone. */
export function stateColour(state: string): Colour {
  if (['running', 'ready'].includes(state)) return 'green';
  if (['failed', 'error'].includes(state)) return 'red';
  if (['terminated', 'archived', 'stopped'].includes(state)) return 'grey';
  return 'yellow';
}

// ESC [ ... m: the colour codes paint() adds.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const visibleLength = (text: string) => text.replace(ANSI, '').length;

/**
 * kubectl's table: upper-case headers, columns aligned on the widest cell and separated by three
 * spaces, no trailing blanks. Cells may carry colour (alignment ignores it).
 */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => visibleLength(row[i] ?? ''))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i === cells.length - 1
          ? cell
          : cell + ' '.repeat(widths[i] - visibleLength(cell)),
      )
      .join('   ')
      .trimEnd();
  return (
    [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n') +
    '\n'
  );
}

/** json / yaml of one object or of a list (as `{items: [...]}`, the api's page shape). */
export function serialise(format: 'json' | 'yaml', value: unknown): string {
  return format === 'json'
    ? `${JSON.stringify(value, null, 2)}\n`
    : stringify(value);
}

/** kubectl's age: 45s, 12m, 3h, 2d (from an ISO time to now). */
export function age(
  iso: string | null | undefined,
  now: number = Date.now(),
): string {
  if (!iso) return '<none>';
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** `<none>` for what is not there, as kubectl prints it. */
export function orNone(value: string | number | null | undefined): string {
  return value === null || value === undefined || value === ''
    ? '<none>'
    : String(value);
}

/** `3/8` style use of a quantity; `12/40 (30%)` when asked for the share. */
export function ratio(used: number, total: number): string {
  return `${round(used)}/${round(total)}`;
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** `30m`, `2h`, `1h30m`, `90` (minutes) -> minutes. */
export function parseDuration(text: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?$|^(\d+)$/.exec(text.trim());
  if (!match || text.trim() === '')
    throw usage(`duration must be like 30m, 2h or 1h30m, got "${text}"`);
  const minutes =
    match[3] !== undefined
      ? Number(match[3])
      : Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
  if (minutes <= 0) throw usage(`duration must be positive, got "${text}"`);
  return minutes;
}

/** `now`, an ISO time, or `+15m` (from now) -> an ISO time; `what` names the flag in the error. */
export function parseStart(
  text: string,
  now: Date = new Date(),
  what = 'start',
): string {
  if (text === 'now') return now.toISOString();
  if (text.startsWith('+'))
    return new Date(
      now.getTime() + parseDuration(text.slice(1)) * 60_000,
    ).toISOString();
  const time = Date.parse(text);
  if (Number.isNaN(time) || !/^\d{4}-\d{2}-\d{2}T/.test(text))
    throw usage(
      `${what} must be now, +DURATION or an ISO time like 2026-05-01T09:00:00Z, got "${text}"`,
    );
  return new Date(time).toISOString();
}
