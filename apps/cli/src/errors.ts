/** Exit codes: 0 done, 1 the operation failed (server, network, state), 2 the command line is wrong. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** An error lcmctl reports as one line (never a stack trace) and exits with its code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

/** A usage mistake (unknown value, missing argument): exit code 2. */
export function usage(message: string): CliError {
  return new CliError(message, EXIT_USAGE);
}

/** An application/problem+json answer (RFC 9457), as the api sends every error. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { field: string; message: string }[];
}

/** `Error from server (Title): detail`, kubectl's shape for a server's refusal (the fields when no detail). */
export function problemMessage(
  status: number,
  problem: Problem | undefined,
  fallback: string,
): string {
  const title = problem?.title ?? `HTTP ${status}`;
  const fields = problem?.errors
    ?.map((e) => `${e.field}: ${e.message}`)
    .join('; ');
  return `Error from server (${title}): ${problem?.detail ?? fields ?? fallback}`;
}
