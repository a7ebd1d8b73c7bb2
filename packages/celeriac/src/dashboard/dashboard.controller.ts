import {
  BadRequestException,
  Body,
  Get,
  Header,
  HttpCode,
  Inject,
  type MessageEvent,
  NotFoundException,
  Param,
  Post,
  Query,
  Res,
  Sse,
} from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import { hasErrorCode } from '../errors/task-queue.error.js';
import type { DeadLetter } from '../dead-letters/dead-letter-record.js';
import type { ControlReply } from '../control/reply-types.js';
import { CSRF_HEADER } from './dashboard-access.js';
import type { DashboardOverview } from './dashboard-monitor.js';
import { dashboardPage } from './dashboard-page.js';
import {
  type Checked,
  isName,
  readLimit,
  readRateLimit,
  readReplay,
  readRevoke,
  readTaskQuery,
} from './dashboard-requests.js';
import { DashboardService } from './dashboard.service.js';
import { redactDeep } from './redact-deep.js';
import type { TaskRecord } from './task-log.js';

/** What `GET api/session` tells the page. */
export interface DashboardSession {
  readonly csrfHeader: string;
  readonly csrfToken: string;
  /** False when the dashboard refuses actions: unguarded, or `readOnly`. */
  readonly actions: boolean;
  readonly guarded: boolean;
  readonly refreshMs: number;
}

/** The header setter of Express's response and Fastify's reply alike. */
interface HeaderSink {
  setHeader?(name: string, value: string): unknown;
  header?(name: string, value: string): unknown;
}

const DEAD_LETTER_MISSING = 'TASK_QUEUE_DEAD_LETTER_QUEUE_MISSING';

/**
 * The dashboard's page and JSON API. `TaskDashboardModule.register()` mounts a subclass at the chosen
 * path with the guards; every route goes through them and `DashboardAccessGuard`. Everything sent is
 * passed through `redactDeep`, so no URL password reaches the page.
 */
export abstract class DashboardController {
  constructor(@Inject(DashboardService) private readonly dashboard: DashboardService) {}

  @Get()
  page(@Res({ passthrough: true }) response: HeaderSink): string {
    const { html, headers } = dashboardPage();
    for (const [name, value] of Object.entries(headers)) {
      if (response.setHeader) response.setHeader(name, value);
      else response.header?.(name, value);
    }
    return html;
  }

  @Get('api/session')
  @Header('cache-control', 'no-store')
  session(): DashboardSession {
    return {
      csrfHeader: CSRF_HEADER,
      csrfToken: this.dashboard.csrfToken,
      actions: this.dashboard.actionsAllowed,
      guarded: this.dashboard.options.guarded,
      refreshMs: this.dashboard.options.refreshMs,
    };
  }

  @Get('api/overview')
  @Header('cache-control', 'no-store')
  async overview(): Promise<DashboardOverview> {
    return redactDeep(await this.dashboard.monitor.overview()) as DashboardOverview;
  }

  @Get('api/tasks')
  @Header('cache-control', 'no-store')
  tasks(@Query() query: Record<string, unknown>): TaskRecord[] {
    const search = valid(readTaskQuery(query));
    return redactDeep(this.dashboard.monitor.tasks.search(search)) as TaskRecord[];
  }

  @Get('api/tasks/:id')
  @Header('cache-control', 'no-store')
  task(@Param('id') id: string): TaskRecord {
    const record = this.dashboard.monitor.tasks.get(id);
    if (!record) throw new NotFoundException(`no task ${id} among the recent tasks`);
    return redactDeep(record) as TaskRecord;
  }

  @Get('api/dead-letters/:queue')
  @Header('cache-control', 'no-store')
  async deadLetters(
    @Param('queue') queue: string,
    @Query('limit') limit?: string,
  ): Promise<DeadLetter[]> {
    const count = readLimit(limit, 50);
    if (!isName(queue) || count === null) throw new BadRequestException('bad queue or limit');
    try {
      const letters = await this.dashboard.sources.deadLetters.list(queue, { limit: count });
      return redactDeep(letters) as DeadLetter[];
    } catch (err: unknown) {
      if (hasErrorCode(err, DEAD_LETTER_MISSING))
        throw new NotFoundException(`${queue} has no dead-letter queue`);
      throw err;
    }
  }

  /** Server-Sent Events: a snapshot, then task changes and each refresh of workers and queues. */
  @Sse('api/stream')
  stream(): Observable<MessageEvent> {
    return this.dashboard.monitor
      .watch()
      .pipe(map((update) => ({ type: update.type, data: redactDeep(update.data) as object })));
  }

  @Post('api/tasks/:id/revoke')
  @HttpCode(200)
  async revoke(
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<{ revoked: string; terminate: boolean }> {
    if (!isName(id)) throw new BadRequestException('bad task id');
    const { terminate } = valid(readRevoke(body));
    await this.dashboard.sources.client.revoke(id, {
      terminate,
      reason: 'revoked from the dashboard',
    });
    return { revoked: id, terminate };
  }

  @Post('api/rate-limit')
  @HttpCode(200)
  async rateLimit(
    @Body() body: unknown,
  ): Promise<{ replies: Readonly<Record<string, ControlReply>> }> {
    const { task, rateLimit, worker } = valid(readRateLimit(body));
    const { replies } = await this.dashboard.sources.inspector.control(
      'rate_limit',
      { task_name: task, rate_limit: rateLimit },
      { timeoutMs: 2_000, ...(worker === null ? {} : { destination: [worker] }) },
    );
    return { replies };
  }

  @Post('api/dead-letters/:queue/replay')
  @HttpCode(200)
  async replay(
    @Param('queue') queue: string,
    @Body() body: unknown,
  ): Promise<{ replayed: number }> {
    if (!isName(queue)) throw new BadRequestException('bad queue name');
    const { ids } = valid(readReplay(body));
    const replayed = await this.deadLetterAction(() =>
      this.dashboard.sources.deadLetters.replay(queue, ids === null ? {} : { ids }),
    );
    return { replayed };
  }

  @Post('api/dead-letters/:queue/purge')
  @HttpCode(200)
  async purge(@Param('queue') queue: string): Promise<{ purged: number }> {
    if (!isName(queue)) throw new BadRequestException('bad queue name');
    const purged = await this.deadLetterAction(() =>
      this.dashboard.sources.deadLetters.purge(queue),
    );
    return { purged };
  }

  private async deadLetterAction(action: () => Promise<number>): Promise<number> {
    try {
      return await action();
    } catch (err: unknown) {
      if (hasErrorCode(err, DEAD_LETTER_MISSING))
        throw new NotFoundException('no such dead-letter queue');
      throw err;
    }
  }
}

function valid<T>(checked: Checked<T>): T {
  if (!checked.ok) throw new BadRequestException(checked.problem);
  return checked.value;
}
