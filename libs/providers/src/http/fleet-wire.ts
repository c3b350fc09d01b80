/**
 * The wire format between the HTTP data-plane clients (HttpWorkerProvider, HttpLabRuntime) and a
 * server exposing the ports (createSimulatedFleetServer; a real cloud gateway could speak it too).
 *
 * One JSON endpoint per port method: `POST /v1/<port>/<method>` with the arguments as a JSON object,
 * answering `200 { "result": ... }` (no `result` when the method returned nothing or undefined) or a
 * typed error `{ "error": { code, message, retryable, ...fields } }` with the status below. A typed
 * error is an answer: the client rebuilds the same ProviderError class the server threw.
 */
import { errorMessage } from '@lcm/domain';
import {
  AuthenticationFailed,
  InstanceNotFound,
  InvalidParameter,
  isProviderError,
  LabEngineUnavailable,
  LabNotFound,
  OperationFailed,
  ProviderError,
  QuotaExceeded,
  type ProviderErrorCode,
} from '../ports/provider-errors';

/** Path of a port method. */
export const FLEET_ROUTES = {
  provision: '/v1/provider/provision',
  start: '/v1/provider/start',
  stop: '/v1/provider/stop',
  terminate: '/v1/provider/terminate',
  describe: '/v1/provider/describe',
  listManaged: '/v1/provider/list-managed',
  metrics: '/v1/provider/metrics',

  health: '/v1/runtime/health',
  importLab: '/v1/runtime/import-lab',
  startLab: '/v1/runtime/start-lab',
  stopLab: '/v1/runtime/stop-lab',
  wipeLab: '/v1/runtime/wipe-lab',
  deleteLab: '/v1/runtime/delete-lab',
  labState: '/v1/runtime/lab-state',
  listLabs: '/v1/runtime/list-labs',
  nodes: '/v1/runtime/nodes',

  // Test hooks of the simulated fleet (not part of the ports).
  vanish: '/v1/sim/vanish',
  failNextProvision: '/v1/sim/fail-next-provision',
  failNextImport: '/v1/sim/fail-next-import',
  failNextLabStart: '/v1/sim/fail-next-lab-start',
  setEngineError: '/v1/sim/set-engine-error',
  setImpaired: '/v1/sim/set-impaired',
  setLatency: '/v1/sim/set-latency',
  setFailureRates: '/v1/sim/set-failure-rates',
  launchUnmanaged: '/v1/sim/launch-unmanaged',
  instanceForHost: '/v1/sim/instance-for-host',
  stats: '/v1/sim/stats',
  snapshot: '/v1/sim/snapshot',
  restore: '/v1/sim/restore',
  info: '/v1/sim/info',
} as const;

export type FleetRoute = (typeof FLEET_ROUTES)[keyof typeof FLEET_ROUTES];

/** A ProviderError as JSON: its code, message, retryable flag and the fields its class carries. */
export interface WireError {
  code: ProviderErrorCode | 'INTERNAL';
  message: string;
  retryable: boolean;
  field?: string;
  limit?: number;
  cloudId?: string;
  reason?: string;
  host?: string;
  labId?: string;
  status?: 'UNAVAILABLE' | 'STARTING' | 'ERROR';
}

/** The HTTP status each error code travels with. */
export function httpStatusFor(error: WireError): number {
  switch (error.code) {
    case 'INVALID_PARAMETER':
      return 400;
    case 'AUTHENTICATION_FAILED':
      return 401;
    case 'INSTANCE_NOT_FOUND':
    case 'LAB_NOT_FOUND':
      return 404;
    case 'QUOTA_EXCEEDED':
      return 429;
    case 'OPERATION_FAILED':
      return error.retryable ? 503 : 409;
    case 'LAB_ENGINE_UNAVAILABLE':
      return 503;
    case 'INTERNAL':
      return 500;
  }
}

/**
 * The wire form of anything a port method threw. A ProviderError keeps its class; a validation
 * error of the fleet's options (domain ValidationError) is an InvalidParameter; anything else is
 * an internal error (500, retryable).
 */
export function toWireError(error: unknown): WireError {
  if (isProviderError(error)) {
    const wire: WireError = {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
    };
    if (error instanceof InvalidParameter) wire.field = error.field;
    if (error instanceof QuotaExceeded && error.limit !== undefined)
      wire.limit = error.limit;
    if (error instanceof InstanceNotFound) wire.cloudId = error.cloudId;
    if (error instanceof OperationFailed) wire.reason = error.reason;
    if (error instanceof LabEngineUnavailable) {
      wire.host = error.host;
      wire.status = error.status;
    }
    if (error instanceof LabNotFound) {
      wire.host = error.host;
      wire.labId = error.labId;
    }
    return wire;
  }
  const message = errorMessage(error);
  if (
    error instanceof Error &&
    (error as { code?: unknown }).code === 'VALIDATION_ERROR'
  ) {
    const field = (error as { field?: unknown }).field;
    return {
      code: 'INVALID_PARAMETER',
      message,
      retryable: false,
      field: typeof field === 'string' ? field : 'request',
    };
  }
  return { code: 'INTERNAL', message, retryable: true };
}

/** Removes the `<field>: ` prefix InvalidParameter adds, so a round trip keeps the message. */
function stripFieldPrefix(message: string, field: string): string {
  const prefix = `${field}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

/** Rebuilds the ProviderError a server sent. Unknown codes become OperationFailed. */
export function fromWireError(wire: WireError): ProviderError {
  switch (wire.code) {
    case 'INVALID_PARAMETER': {
      const field = wire.field ?? 'request';
      return new InvalidParameter(field, stripFieldPrefix(wire.message, field));
    }
    case 'QUOTA_EXCEEDED':
      return new QuotaExceeded(wire.message, wire.limit);
    case 'AUTHENTICATION_FAILED':
      return new AuthenticationFailed(wire.message);
    case 'INSTANCE_NOT_FOUND':
      return new InstanceNotFound(wire.cloudId ?? '');
    case 'LAB_ENGINE_UNAVAILABLE':
      return new LabEngineUnavailable(
        wire.host ?? '',
        wire.status ?? 'UNAVAILABLE',
      );
    case 'LAB_NOT_FOUND':
      return new LabNotFound(wire.host ?? '', wire.labId ?? '');
    case 'OPERATION_FAILED':
      return new OperationFailed(wire.message, {
        retryable: wire.retryable,
        reason: wire.reason,
      });
    default:
      return new OperationFailed(wire.message, {
        retryable: wire.retryable !== false,
        reason: 'remote_error',
      });
  }
}

/** Whether a parsed body is a typed error. */
export function isWireErrorBody(body: unknown): body is { error: WireError } {
  if (typeof body !== 'object' || body === null) return false;
  const error = (body as { error?: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as WireError).code === 'string' &&
    typeof (error as WireError).message === 'string'
  );
}

/**
 * The error for a response that carried no typed error (a proxy or a server that is not ours):
 * mapped from the status alone.
 */
export function errorForStatus(status: number, detail: string): ProviderError {
  const message = `HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 400 || status === 422)
    return new InvalidParameter('request', message);
  if (status === 401 || status === 403)
    return new AuthenticationFailed(message);
  if (status === 429) return new QuotaExceeded(message);
  if (status === 408 || status >= 500)
    return new OperationFailed(message, {
      retryable: true,
      reason: 'http_status',
    });
  return new OperationFailed(message, {
    retryable: false,
    reason: 'http_status',
  });
}
