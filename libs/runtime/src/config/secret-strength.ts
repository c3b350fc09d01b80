/**
 * Whether a secret may protect a deployment. A secret that anyone could know (a shipped example, a
 * placeholder to be replaced) or guess (too short, too few distinct characters) is refused at start,
 * so a forgotten `change-me` never reaches production. Used by EnvReader.secret.
 */
export const MAKE_A_SECRET = 'make one with: openssl rand -hex 32';

/** The minimum length of a shared secret (HS256 needs 256 bits; 32 random hex digits carry 128). */
export const SECRET_MIN_LENGTH = 32;

/** Words that mark a value as an example meant to be replaced. */
const PLACEHOLDER_WORDS = [
  'change-me',
  'changeme',
  'change_me',
  'change-this',
  'changethis',
  'placeholder',
  'replace-me',
  'replaceme',
  'replace-with',
  'your-secret',
  'yoursecret',
  'example',
  'insecure',
  'do-not-use',
];

/** Fewer distinct characters than this is a pattern, not randomness (`openssl rand -hex 16` has ~14). */
const MIN_DISTINCT_CHARACTERS = 8;

/** Why `value` is refused as a secret, or undefined when it is acceptable. */
export function secretWeakness(
  value: string,
  options: { minLength?: number } = {},
): string | undefined {
  const minLength = options.minLength ?? SECRET_MIN_LENGTH;
  const lower = value.toLowerCase();
  const word = PLACEHOLDER_WORDS.find((w) => lower.includes(w));
  if (word) return `is a placeholder (contains "${word}")`;
  if (value.length < minLength)
    return `must be at least ${minLength} characters`;
  if (minLength > 0 && new Set(value).size < MIN_DISTINCT_CHARACTERS)
    return `is too weak (fewer than ${MIN_DISTINCT_CHARACTERS} distinct characters)`;
  return undefined;
}

/** Why the password inside a connection URI (`scheme://user:password@host`) is a placeholder, if it is. */
export function uriPasswordWeakness(uri: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^:@/]*:([^@/]*)@/i.exec(uri);
  if (!match) return undefined;
  const password = decodeURIComponent(match[1]);
  const lower = password.toLowerCase();
  const word = PLACEHOLDER_WORDS.find((w) => lower.includes(w));
  return word ? `has a placeholder password (contains "${word}")` : undefined;
}
