import { existsSync } from 'node:fs';

/**
 * Whether testcontainers can be used: a container runtime must answer. We look for the cheap signs
 * first (DOCKER_HOST, a socket) so that a machine without Docker costs nothing, then ask
 * testcontainers itself. Set LCM_TESTCONTAINERS=0 to never use containers.
 */
let cached: Promise<string | undefined> | undefined;

export function containerRuntimeUnavailableReason(): Promise<
  string | undefined
> {
  cached ??= probe();
  return cached;
}

async function probe(): Promise<string | undefined> {
  if (process.env['LCM_TESTCONTAINERS'] === '0')
    return 'disabled by LCM_TESTCONTAINERS=0';
  const sockets = [
    '/var/run/docker.sock',
    `${process.env['HOME'] ?? ''}/.docker/run/docker.sock`,
    `/run/user/${process.getuid?.() ?? 0}/podman/podman.sock`,
  ];
  if (!process.env['DOCKER_HOST'] && !sockets.some((s) => existsSync(s))) {
    return 'no container runtime (no DOCKER_HOST, no Docker or Podman socket)';
  }
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await withTimeout(getContainerRuntimeClient(), 10_000);
    return undefined;
  } catch (error) {
    return `container runtime did not answer: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(
        () => reject(new Error(`no answer within ${ms} ms`)),
        ms,
      ).unref(),
    ),
  ]);
}
