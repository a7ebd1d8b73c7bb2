import { Injectable } from '@nestjs/common';
import { Task, type TaskContext } from 'celeriac';
import { greet } from './greeting.task.js';

@Injectable()
export class GreetingTasks {
  @Task(greet, { params: ['name'] })
  greet(name: string, ctx: TaskContext): string {
    return `hello ${name} from ${ctx.name}`;
  }
}
