import { errorMessage } from '@lcm/domain';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { Registry } from 'prom-client';
import { Public } from '../auth/auth.guard';
import { METRICS_REGISTRY, SERVICE_NAME } from './tokens';
import { ReadinessChecks } from './readiness';

/** Liveness, readiness and Prometheus metrics: the same three endpoints on every LCM app. */
/** Public: probes and scrapers carry no token. */
@Public()
@Controller()
export class OpsController {
  constructor(
    @Inject(SERVICE_NAME) private readonly service: string,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: ReadinessChecks,
  ) {}

  @Get('healthz')
  healthz(): { status: 'ok'; service: string } {
    return { status: 'ok', service: this.service };
  }

  @Get('readyz')
  @HealthCheck()
  readyz() {
    return this.health.check(
      this.readiness.all().map((check) => async () => {
        const indicator = this.indicators.check(check.name);
        try {
          const result = await check.check();
          return result === true
            ? indicator.up()
            : indicator.down({
                reason: result === false ? 'not ready' : result,
              });
        } catch (error) {
          return indicator.down({ reason: errorMessage(error) });
        }
      }),
    );
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
