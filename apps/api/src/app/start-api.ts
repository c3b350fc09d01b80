import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  type OpenAPIObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { JsonLogger, methodNotAllowed, startService } from '@lcm/runtime';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ApiConfig } from '../config';
import { configureBrowserAccess } from '../console/browser-access';
import { API_CONFIG } from './api-config.token';
import { ApiModule } from './api.module';

/**
 * OpenAPI document at `/api/docs-json` and its UI at `/api/docs`, generated from the controllers and
 * DTOs; CORS and the web console at `/console` (configureBrowserAccess); no body-hash ETags.
 */
export function configureApi(app: NestExpressApplication): void {
  // Express would hash every JSON answer into a weak ETag (a SHA-1 over a whole list page per
  // request) that no client sends back: the api's answers carry `resourceVersion` instead. The
  // console's static files keep their own ETags (serve-static).
  app.set('etag', false);
  configureBrowserAccess(app, app.get<ApiConfig>(API_CONFIG));
  const document = openApiDocument(app);
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/docs-json',
    customSiteTitle: 'LCM API',
  });
  // Before the routes: a documented path asked with an undeclared method is 405 with Allow, not 404.
  app.use(methodNotAllowed(document));
}

/** The OpenAPI document of the api's routes (also written to a file for generated clients: tools/openapi). */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('LCM control-plane API')
      .setDescription(
        'Lablet Cloud Manager: lablet definitions, instances (reservations), workers, worker templates, CloudEvents in (assessment results) and out (SSE). Every /api/v1 route needs a bearer JWT; errors are application/problem+json.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  closeRequestBodySchemas(document);
  return document;
}

/**
 * Request bodies are validated with unknown fields refused (forbidNonWhitelisted): the schemas of
 * request bodies, and of the objects nested in them, say so with `additionalProperties: false`.
 * Response-only schemas are left open.
 */
export function closeRequestBodySchemas(document: OpenAPIObject): void {
  const schemas = (document.components?.schemas ?? {}) as Record<
    string,
    Record<string, unknown>
  >;
  const seen = new Set<string>();
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const ref = (node as { $ref?: unknown }).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
      const name = ref.slice('#/components/schemas/'.length);
      if (seen.has(name) || !schemas[name]) return;
      seen.add(name);
      const schema = schemas[name];
      if (
        schema['type'] === 'object' &&
        schema['additionalProperties'] === undefined
      )
        schema['additionalProperties'] = false;
      visit(schema);
      return;
    }
    for (const value of Object.values(node)) visit(value);
  };
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item ?? {}))
      visit((operation as { requestBody?: unknown } | undefined)?.requestBody);
  }
}

export interface StartApiOptions {
  /** Close on SIGTERM/SIGINT (default true; the embedded launcher handles signals itself). */
  shutdownHooks?: boolean;
}

/** Starts the api as `main.ts` does: the module, OpenAPI, and listening on the configured host and port. */
export function startApi(
  config: ApiConfig,
  options: StartApiOptions = {},
): Promise<{ app: NestExpressApplication; url: string; logger: JsonLogger }> {
  return startService(ApiModule.forRoot(config), {
    service: 'api',
    port: config.port,
    host: config.host,
    logLevel: config.logLevel,
    shutdownHooks: options.shutdownHooks,
    configure: configureApi,
  });
}
