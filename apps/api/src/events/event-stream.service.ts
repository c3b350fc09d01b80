import { errorMessage } from '@lcm/domain';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { hasAnyRole, Principal, ProblemException } from '@lcm/runtime';
import {
  InstanceStore,
  KeyValue,
  OutboxEvent,
  parseOutboxEvent,
  Watch,
} from '@lcm/state-store';
import {
  ExponentialBackoff,
  handleAll,
  noJitterGenerator,
  retry,
} from 'cockatiel';
import type { Request, Response } from 'express';
import { API_CONFIG } from '../app/api-config.token';
import type { ApiConfig } from '../config';
import { ALL_INSTANCES_READERS } from '../http/permissions';
import { OutboxRepository } from '../repositories/outbox.repository';
import { OwnEventsFilter } from './own-events.filter';
import { MatchesDocumented } from '../http/dto-validators';

export class EventStreamQueryDto {
  @ApiPropertyOptional({
    description:
      'only events whose type starts with this, e.g. `lcm.lablet.instance.`',
  })
  @IsOptional()
  @MatchesDocumented(/^[A-Za-z0-9._-]{1,256}$/, {
    message: 'type must be an event type or a prefix of one',
  })
  type?: string;

  @ApiPropertyOptional({
    description:
      'only events about this aggregate (instance, worker or definition id)',
  })
  @IsOptional()
  @MatchesDocumented(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,255}$/, {
    message: 'subject must be an aggregate id',
  })
  subject?: string;

  @ApiPropertyOptional({
    description:
      'as the Last-Event-ID header, for clients that cannot set headers',
  })
  @IsOptional()
  @MatchesDocumented(/^\d{1,15}$/, {
    message: 'lastEventId must be a revision (a non-negative integer)',
  })
  lastEventId?: string;
}

/** Above this many unsent bytes a client is too slow: its stream is closed (it resumes with Last-Event-ID). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * One SSE client: the outbox watched from a revision, filtered, written as `id: <revision>`,
 * `event: <type>`, `data: <CloudEvent>`. Events written in one transaction share a revision: they
 * go out in one write, and only the last carries the `id:`, so a client cut off halfway resumes
 * with the whole revision again (never skipping one). A compacted start revision is re-listed from
 * the outbox keys still stored.
 */
class SseConnection {
  private watch?: Watch;
  private heartbeat?: NodeJS.Timeout;
  private closed = false;
  /** Batches are delivered one after another (a visibility check may read the store between them). */
  private delivery: Promise<void> = Promise.resolve();

  constructor(
    private readonly response: Response,
    private readonly filter: { type?: string; subject?: string },
    private lastRevision: number,
    private readonly outbox: OutboxRepository,
    private readonly logger: Logger,
    private readonly onClosed: (connection: SseConnection) => void,
    private readonly visible?: OwnEventsFilter,
  ) {}

  async start(heartbeatMs: number): Promise<void> {
    this.response.status(200);
    this.response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    this.response.setHeader('Cache-Control', 'no-cache, no-transform');
    // The socket goes with the stream: nothing idles on after it, so a shutdown need not wait for keep-alive timeouts.
    this.response.setHeader('Connection', 'close');
    this.response.setHeader('X-Accel-Buffering', 'no');
    this.response.flushHeaders();
    this.write(
      `retry: 2000\nevent: connected\ndata: ${JSON.stringify({ after: this.lastRevision })}\n\n`,
    );
    this.heartbeat = setInterval(
      () => this.write(`: heartbeat ${new Date().toISOString()}\n\n`),
      heartbeatMs,
    );
    this.heartbeat.unref();
    await this.watchFrom(this.lastRevision + 1);
  }

  /** Ends the stream; on shutdown the client is told first. */
  async close(reason?: 'shutdown'): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.onClosed(this);
    if (reason === 'shutdown')
      this.write(
        `event: system.sse.shutdown\ndata: ${JSON.stringify({ reason: 'the api is stopping; reconnect with Last-Event-ID' })}\n\n`,
        true,
      );
    if (!this.response.writableEnded) this.response.end();
    await this.watch?.cancel().catch(() => undefined);
  }

  private async watchFrom(revision: number): Promise<void> {
    if (this.closed) return;
    this.watch = await this.outbox.watch(revision, {
      onBatch: (batch) =>
        this.deliver(
          batch.revision,
          batch.events.filter((e) => e.type === 'put').map((e) => e.kv),
        ),
      onCancelled: (error) => void this.relist(error),
    });
    if (this.closed) await this.watch.cancel().catch(() => undefined);
  }

  /** The watch ended (history compacted past our revision): send what is still stored after it, then watch on. */
  private async relist(cause: Error): Promise<void> {
    // Until it succeeds or the stream closes, with exponential backoff (doubled up to 5 s).
    const policy = retry(handleAll, {
      maxAttempts: Infinity,
      backoff: new ExponentialBackoff({
        initialDelay: 100,
        maxDelay: 5000,
        generator: noJitterGenerator,
      }),
    });
    policy.onRetry((event) => {
      if ('error' in event)
        cause =
          event.error instanceof Error
            ? event.error
            : new Error(String(event.error));
    });
    await policy.execute(async () => {
      if (this.closed) return;
      this.logger.warn({
        msg: 'event stream re-listing the outbox',
        after: this.lastRevision,
        cause: cause.message,
      });
      const { kvs, revision } = await this.outbox.listAfter(this.lastRevision);
      const byRevision = new Map<number, KeyValue[]>();
      for (const kv of kvs)
        byRevision.set(kv.modRevision, [
          ...(byRevision.get(kv.modRevision) ?? []),
          kv,
        ]);
      for (const [at, batch] of byRevision) this.deliver(at, batch);
      await this.delivery;
      this.lastRevision = Math.max(this.lastRevision, revision);
      await this.watchFrom(this.lastRevision + 1);
    });
  }

  private deliver(revision: number, kvs: KeyValue[]): void {
    this.delivery = this.delivery
      .then(() => this.deliverNow(revision, kvs))
      .catch((error: unknown) => {
        // The client resumes from the last revision it received.
        this.logger.warn({
          msg: 'event stream delivery failed: closing the stream',
          after: this.lastRevision,
          error: errorMessage(error),
        });
        void this.close();
      });
  }

  private async deliverNow(revision: number, kvs: KeyValue[]): Promise<void> {
    if (this.closed || revision <= this.lastRevision) return;
    const matching = kvs
      .flatMap((kv) => this.decode(kv) ?? [])
      .filter((event) => this.matches(event));
    const events =
      this.visible && matching.length > 0
        ? await this.visible.keep(matching)
        : matching;
    if (this.closed) return;
    this.lastRevision = revision;
    if (events.length === 0) return;
    const chunk = events
      .map(
        (event, i) =>
          `${i === events.length - 1 ? `id: ${revision}\n` : ''}event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`,
      )
      .join('');
    this.write(chunk);
  }

  private decode(kv: KeyValue): OutboxEvent | undefined {
    try {
      return parseOutboxEvent(kv.value);
    } catch {
      return undefined;
    }
  }

  private matches(event: OutboxEvent): boolean {
    return (
      (this.filter.type === undefined ||
        event.type.startsWith(this.filter.type)) &&
      (this.filter.subject === undefined ||
        event.subject === this.filter.subject)
    );
  }

  private write(text: string, closing = false): void {
    if (this.response.writableEnded || (this.closed && !closing)) return;
    this.response.write(text);
    if (this.response.writableLength > MAX_BUFFERED_BYTES) {
      this.logger.warn({
        msg: 'event stream client too slow: closing its stream',
        after: this.lastRevision,
      });
      void this.close();
    }
  }
}

/** `GET /api/v1/events/stream`: the outbox as server-sent events (docs/events.md#delivery). */
@Injectable()
export class EventStreamService implements OnModuleDestroy {
  private readonly logger = new Logger('EventStream');
  private readonly connections = new Set<SseConnection>();

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly instances: InstanceStore,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** A caller who may read every instance sees every event; anyone else (`user`) only its own instances' events. */
  async open(
    request: Request,
    response: Response,
    query: EventStreamQueryDto,
    lastEventIdHeader: string | undefined,
    principal: Principal,
  ): Promise<void> {
    const resumeAfter = lastEventIdHeader ?? query.lastEventId;
    if (resumeAfter !== undefined && !/^\d{1,15}$/.test(resumeAfter.trim())) {
      throw new ProblemException(
        'validation-error',
        'Last-Event-ID must be a revision (a non-negative integer) sent by this stream',
        {
          errors: [
            {
              field: 'Last-Event-ID',
              message: 'must be a non-negative integer',
            },
          ],
        },
      );
    }
    const after =
      resumeAfter !== undefined
        ? Number(resumeAfter.trim())
        : await this.outbox.revision();
    const visible = hasAnyRole(principal, ALL_INSTANCES_READERS)
      ? undefined
      : new OwnEventsFilter(principal.subject, this.instances);
    const connection = new SseConnection(
      response,
      { type: query.type, subject: query.subject },
      after,
      this.outbox,
      this.logger,
      (c) => this.connections.delete(c),
      visible,
    );
    this.connections.add(connection);
    response.on('close', () => void connection.close());
    try {
      await connection.start(this.config.sseHeartbeatSeconds * 1000);
    } catch (error) {
      await connection.close();
      this.logger.error({
        msg: 'event stream failed to start',
        error: errorMessage(error),
      });
    }
  }

  /** Shutdown: every client is told and its stream ended, so the server can close at once. */
  async onModuleDestroy(): Promise<void> {
    await Promise.all(
      [...this.connections].map((connection) => connection.close('shutdown')),
    );
  }

  get openStreams(): number {
    return this.connections.size;
  }
}
