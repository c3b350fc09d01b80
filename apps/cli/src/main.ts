import { errorMessage } from '@lcm/domain';
import { run } from './program';
import { terminalOut } from './output';

// Ctrl-C ends --watch and --follow cleanly (exit 0); a second one exits at once.
const abort = new AbortController();
process.once('SIGINT', () => {
  abort.abort();
  process.once('SIGINT', () => process.exit(130));
});
// A closed pipe (lcmctl get ... | head) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
});

run(process.argv.slice(2), {
  out: terminalOut(process.stdout),
  err: terminalOut(process.stderr),
  env: process.env,
  signal: abort.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${errorMessage(error)}\n`);
    process.exitCode = 1;
  },
);
