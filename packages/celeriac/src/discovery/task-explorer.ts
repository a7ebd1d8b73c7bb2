import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { PeriodicMetadata } from '../decorators/periodic.decorator.js';
import type { TaskMetadata } from '../decorators/task.decorator.js';
import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import { resolveBeatEntry } from '../options/resolve-beat.js';
import { PERIODIC_METADATA, TASK_METADATA } from '../options/task-queue.constants.js';
import { resolveRetryPolicy } from '../task/retry-policy.js';
import { resolveTaskLimits } from '../task/task-limits.js';
import { PeriodicRegistry } from './periodic-registry.js';
import { TaskRegistry } from './task-registry.js';

type ProviderWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/**
 * Finds `@Task()` methods on providers at boot and registers them. Two handlers for one name fail the
 * boot (naming both), so a worker never silently runs the wrong one; so does a bad `@Task()` option
 * (naming the handler and the field), so it cannot surface on the first failure in production.
 */
@Injectable()
export class TaskExplorer implements OnModuleInit {
  private readonly logger = new Logger(TaskExplorer.name);
  private discovered = false;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly registry: TaskRegistry,
    private readonly periodic: PeriodicRegistry,
  ) {}

  onModuleInit(): void {
    this.discover();
  }

  /**
   * Registers every `@Task()` method, once. Runs at module init, and from the worker's `listen()` too: a
   * hybrid app started as Nest's docs show (`connectMicroservice`, then `startAllMicroservices` before any
   * `app.init()`) listens before module init, and would otherwise run with no tasks.
   */
  discover(): void {
    if (this.discovered) return;
    this.discovered = true;
    for (const wrapper of this.discovery.getProviders()) this.explore(wrapper);
  }

  private explore(wrapper: ProviderWrapper): void {
    const instance: unknown = wrapper.instance;
    if (typeof instance !== 'object' || instance === null) return;
    const prototype: unknown = Object.getPrototypeOf(instance);
    if (typeof prototype !== 'object' || prototype === null) return;
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const method: unknown = Reflect.get(prototype, methodName);
      if (typeof method !== 'function') continue;
      const metadata = this.reflector.get<TaskMetadata | undefined>(
        TASK_METADATA,
        method as () => unknown,
      );
      const periodic = this.reflector.get<PeriodicMetadata | undefined>(
        PERIODIC_METADATA,
        method as () => unknown,
      );
      const owner = `${instance.constructor.name}.${methodName}`;
      if (!metadata) {
        if (periodic)
          throw new InvalidTaskOptionsError(
            owner,
            '@Periodic()',
            'needs @Task() on the same method',
          );
        continue;
      }
      if (!wrapper.isDependencyTreeStatic()) {
        // A request-scoped provider has no instance outside a request; a task is not a request.
        this.logger.warn(
          `Skipping task "${metadata.name}" on ${owner}: request-scoped providers cannot run tasks`,
        );
        continue;
      }
      const [unknownKey] = metadata.unknownKeys;
      if (unknownKey !== undefined)
        throw new InvalidTaskOptionsError(owner, unknownKey, 'is not an option of @Task()');
      const retry = resolveRetryPolicy(metadata.retry, owner);
      const limits = resolveTaskLimits(metadata.limits, owner);
      const bound = (method as (...args: unknown[]) => unknown).bind(instance);
      this.registry.register({ metadata, owner, handler: bound, retry, limits });
      for (const { name, ...entry } of periodic ?? []) {
        const entryName = name ?? metadata.name;
        this.periodic.register(
          resolveBeatEntry(entryName, { ...entry, task: metadata.name }, `@Periodic() on ${owner}`),
          owner,
        );
      }
    }
  }
}
