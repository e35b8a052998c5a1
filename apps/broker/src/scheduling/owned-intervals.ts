import type { SchedulerRegistry } from '@nestjs/schedule';

/**
 * Intervals one owner registers with @nestjs/schedule's SchedulerRegistry (so they are listed and
 * cleared with the application's), stopped by that owner alone: each scheduler ends its own work
 * at shutdown, whoever else still runs.
 */
export class OwnedIntervals {
  private readonly names: string[] = [];

  constructor(private readonly registry: SchedulerRegistry) {}

  /** Runs `task` every `ms`; a task's promise is its own business (tasks catch and log their errors). */
  every(name: string, ms: number, task: () => unknown): void {
    this.registry.addInterval(name, setInterval(task, ms));
    this.names.push(name);
  }

  stop(): void {
    for (const name of this.names.splice(0)) {
      // The schedule module's own shutdown may have cleared it already.
      if (this.registry.doesExist('interval', name)) this.registry.deleteInterval(name);
    }
  }
}
