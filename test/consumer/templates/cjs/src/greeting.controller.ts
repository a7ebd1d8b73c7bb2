import { Controller, Get, Param } from '@nestjs/common';
import { TaskClient } from 'celeriac';
import { greet } from './greeting.task.js';

@Controller('greetings')
export class GreetingController {
  constructor(private readonly tasks: TaskClient) {}

  /** Sends the task and waits for the worker's result. */
  @Get(':name')
  async greet(@Param('name') name: string): Promise<{ taskId: string; greeting: string }> {
    const result = await this.tasks.send(greet, [name]);
    const greeting: string = await result.get({ timeoutMs: 10_000 });
    return { taskId: result.id, greeting };
  }
}
