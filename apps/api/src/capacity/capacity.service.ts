import { isoNow, type Clock } from '@lcm/domain';
import { Inject, Injectable } from '@nestjs/common';
import {
  WORKER_TEMPLATE_REPOSITORY,
  WorkerTemplateRepository,
} from '@lcm/doc-store';
import { WorkerTemplate } from '@lcm/domain';
import { ProblemException } from '@lcm/runtime';
import { forecastCapacity, type CapacityForecast } from '@lcm/scheduling';
import { API_CONFIG } from '../app/api-config.token';
import type { ApiConfig } from '../config';
import { Page } from '../http/pagination';
import { CLOCK } from '../app/clock.token';
import { InstanceCache, WorkerCache } from '../cache/state-caches';
import type { ForecastQueryDto } from './capacity.dto';

const HOUR_MS = 60 * 60_000;
/** Steps in one answer at most (a month in 15-minute steps is 2,880). */
export const MAX_FORECAST_STEPS = 3000;

function unprocessable(field: string, message: string): ProblemException {
  return new ProblemException('unprocessable', `${field}: ${message}`, {
    errors: [{ field, message }],
  });
}

/** The capacity calendar (`forecastCapacity` of @lcm/scheduling) over the live state. */
@Injectable()
export class CapacityService {
  constructor(
    private readonly instanceCache: InstanceCache,
    private readonly workerCache: WorkerCache,
    @Inject(WORKER_TEMPLATE_REPOSITORY)
    private readonly templates: WorkerTemplateRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async forecast(query: ForecastQueryDto): Promise<CapacityForecast> {
    const now = isoNow(this.clock);
    const from = query.from ? new Date(query.from).toISOString() : now;
    const to = query.to
      ? new Date(query.to).toISOString()
      : new Date(Date.parse(from) + 24 * HOUR_MS).toISOString();
    const stepMinutes = query.step ?? 60;
    if (Date.parse(to) <= Date.parse(from))
      throw unprocessable('to', `must be after from (${from})`);
    const steps = Math.ceil(
      (Date.parse(to) - Date.parse(from)) / (stepMinutes * 60_000),
    );
    if (steps > MAX_FORECAST_STEPS)
      throw unprocessable(
        'step',
        `${steps} steps from ${from} to ${to}; at most ${MAX_FORECAST_STEPS}: take a longer step or a shorter range`,
      );
    const [instances, workers, templates] = await Promise.all([
      this.instanceCache.read(),
      this.workerCache.read(),
      this.allTemplates(),
    ]);
    return forecastCapacity(
      [...instances.all()].map(({ value }) => value),
      [...workers.all()].map((v) => v.worker.value),
      templates,
      {
        region: this.config.region,
        from,
        to,
        stepMinutes,
        maxWorkers: this.config.booking.maxWorkers,
        now,
      },
    );
  }

  private async allTemplates(): Promise<WorkerTemplate[]> {
    const templates: WorkerTemplate[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<WorkerTemplate> = await this.templates.list({
        limit: 500,
        cursor,
      });
      templates.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return templates;
  }
}
