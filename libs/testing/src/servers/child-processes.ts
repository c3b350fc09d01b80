import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';

/**
 * Every server process the harness starts is registered here and killed when this process exits,
 * however it exits. The servers are also started with a parent-death signal (setpriv / prctl), so
 * even a SIGKILL of the test runner leaves nothing behind.
 */
const children = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null)
      child.kill('SIGKILL');
  }
  children.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

export function spawnServer(
  command: string,
  args: string[],
  options: SpawnOptions = {},
): ChildProcess {
  hookExit();
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Sends `signal` and resolves once the process has exited (SIGKILL after `graceMs`). */
export async function stopProcess(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 5000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => resolve()),
  );
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Keeps the last `limit` characters a process wrote, for error messages. */
export function captureOutput(child: ChildProcess, limit = 4000): () => string {
  let text = '';
  const append = (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-limit);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => text;
}
