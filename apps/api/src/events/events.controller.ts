import {
  Controller,
  Get,
  Headers,
  HttpCode,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import {
  createValidationPipe,
  CurrentPrincipal,
  Principal,
  Roles,
} from '@lcm/runtime';
import type { Request, Response } from 'express';
import { ApiProblems } from '../http/api-docs';
import { ApiRouteGuards } from '../http/api-route-guards';
import { PERMISSIONS } from '../http/permissions';
import { EventIngressService, IngressReceipt } from './event-ingress.service';
import {
  EventStreamQueryDto,
  EventStreamService,
} from './event-stream.service';

class IngressReceiptDto implements IngressReceipt {
  @ApiProperty() id!: string;
  @ApiProperty() source!: string;
  @ApiProperty() type!: string;
  @ApiProperty({ enum: ['applied', 'duplicate', 'ignored'] }) outcome!:
    | 'applied'
    | 'duplicate'
    | 'ignored';
}

/**
 * One message of the stream (OpenAPI 3.0: the schema of a text/event-stream describes each event):
 * `connected` first (data `{"after": <revision>}`, with `retry`), then one message per CloudEvent
 * (event = its type, data = the CloudEvent as structured JSON; the last event of a revision carries
 * `id` = the revision, to resume with Last-Event-ID), and `system.sse.shutdown` when the api stops.
 * Heartbeats are SSE comments, not events.
 */
const SSE_MESSAGE_SCHEMA = {
  type: 'object',
  required: ['event', 'data'],
  properties: {
    event: {
      type: 'string',
      minLength: 1,
      description: '`connected`, a CloudEvent type, or `system.sse.shutdown`',
    },
    data: {
      type: 'string',
      description:
        'JSON text: `{"after": <revision>}`, the CloudEvent, or `{"reason": "..."}`',
    },
    id: {
      type: 'string',
      pattern: '^[0-9]+$',
      description: 'the revision, on the last event of each revision',
    },
    retry: {
      type: 'integer',
      minimum: 0,
      description: 'reconnect delay in milliseconds (on `connected`)',
    },
  },
};

@ApiTags('events')
@ApiRouteGuards()
@Controller('api/v1/events')
export class EventsController {
  constructor(
    private readonly ingress: EventIngressService,
    private readonly stream: EventStreamService,
  ) {}

  @Post()
  @HttpCode(202)
  @Roles(...PERMISSIONS.postEvents)
  @ApiOperation({
    summary: 'Receive a CloudEvent (HTTP binding: structured or binary mode)',
    description:
      'Consumed: `assessment.collection.completed` (collecting -> grading) and `assessment.grading.completed` (score stored, grading -> stopping). Deduplicated on source + id for 24 h: a re-delivery is acknowledged again (`duplicate`) without effect. Unknown types: 202 `ignored`. Data not matching the catalog: 400. An event that does not fit the instance’s state: 409. ' +
      'Binary mode (`content-type: application/json` with the attributes as `ce-specversion`, `ce-id`, `ce-source`, `ce-type` headers and the data as the body) is accepted as well; the document describes structured mode, the one that needs no headers.',
  })
  @ApiConsumes('application/cloudevents+json')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['specversion', 'id', 'source', 'type'],
      properties: {
        specversion: { type: 'string', enum: ['1.0'] },
        id: { type: 'string', minLength: 1 },
        source: { type: 'string', minLength: 1 },
        type: { type: 'string', minLength: 1 },
        subject: { type: 'string' },
        time: { type: 'string', format: 'date-time' },
        datacontenttype: { type: 'string', enum: ['application/json'] },
        data: {
          description:
            'for the consumed types, as the event catalog defines it (400 otherwise)',
        },
      },
      example: {
        specversion: '1.0',
        id: 'c-1',
        source: 'assessment-platform',
        type: 'assessment.collection.completed',
        data: {
          instanceId: '…',
          collectionId: 'col-1',
          artifactsUri: 's3://…',
        },
      },
    },
  })
  @ApiAcceptedResponse({ type: IngressReceiptDto })
  @ApiProblems(400, 404, 409, 413, 415)
  receive(@Req() request: Request): Promise<IngressReceipt> {
    return this.ingress.receive(request.headers, request.body as unknown);
  }

  @Get('stream')
  @Roles(...PERMISSIONS.streamEvents)
  @ApiOperation({
    summary: 'Server-sent events: the outbox as it is written',
    description:
      'A `user` receives only the events of its own instances. Each event: `id:` the etcd revision it was written at, `event:` its CloudEvent type, `data:` the structured CloudEvent. Send `Last-Event-ID` to resume exactly after that revision. A `: heartbeat` comment every SSE_HEARTBEAT_SECONDS; `event: system.sse.shutdown` when the api stops.',
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'resume after this revision',
  })
  @ApiOkResponse({
    description:
      'text/event-stream: one Server-Sent Event per message, as described',
    content: { 'text/event-stream': { schema: SSE_MESSAGE_SCHEMA } },
  })
  @ApiProblems(400)
  async streamEvents(
    @Query(createValidationPipe()) query: EventStreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    await this.stream.open(request, response, query, lastEventId, principal);
  }
}
