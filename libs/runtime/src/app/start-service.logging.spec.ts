import {
  Controller,
  Get,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { startService } from './start-service';

/** One app of the test: logs on every request, from a timer its bootstrap starts, and when it stops. */
function appModule(name: string) {
  @Controller()
  class PingController {
    private readonly logger = new Logger('Ping');
    @Get('ping')
    ping(): string {
      this.logger.log(`ping served by ${name}`);
      return name;
    }
  }

  @Injectable()
  class Ticker implements OnApplicationBootstrap, OnModuleDestroy {
    private readonly logger = new Logger('Ticker');
    onApplicationBootstrap(): void {
      setTimeout(() => this.logger.log(`tick of ${name}`), 50).unref();
    }
    onModuleDestroy(): void {
      this.logger.log(`stopping ${name}`);
    }
  }

  @Module({ controllers: [PingController], providers: [Ticker] })
  class AppModule {}
  return AppModule;
}

interface Line {
  service: string;
  context?: string;
  msg: string;
}

async function until(
  condition: () => boolean,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('startService logging with several apps in one process (the embedded mode)', () => {
  it("tags every line with its own app's service: bootstrap, requests, timers and shutdown", async () => {
    const lines: Line[] = [];
    const logDestination = {
      write: (chunk: string) => lines.push(JSON.parse(chunk) as Line),
    };
    const first = await startService(appModule('first'), {
      service: 'first',
      port: 0,
      host: '127.0.0.1',
      shutdownHooks: false,
      logDestination,
    });
    const second = await startService(appModule('second'), {
      service: 'second',
      port: 0,
      host: '127.0.0.1',
      shutdownHooks: false,
      logDestination,
    });
    try {
      // The first app is served after the second one started: Nest's static Logger would say "second".
      expect(await (await fetch(`${first.url}/ping`)).text()).toBe('first');
      expect(await (await fetch(`${second.url}/ping`)).text()).toBe('second');
      await until(
        () => lines.filter((line) => line.context === 'Ticker').length === 2,
      );
    } finally {
      // Closed from outside both apps (as the embedded launcher does): each still logs as itself.
      await first.app.close();
      await second.app.close();
    }
    const mentioning = (name: string) =>
      lines.filter((line) => line.msg.includes(` ${name}`));
    expect(mentioning('first').map((line) => line.service)).toEqual([
      'first',
      'first',
      'first',
    ]);
    expect(mentioning('second').map((line) => line.service)).toEqual([
      'second',
      'second',
      'second',
    ]);
    // Nest's own lines (module init, routes, start) carry their app's service too.
    const routes = lines.filter((line) => line.context === 'RouterExplorer');
    expect(routes.map((line) => line.service).sort()).toEqual([
      'first',
      'second',
    ]);
  });
});
