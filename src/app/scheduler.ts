/**
 * The scheduler every controller fiber runs on. Effect's default resumes a fiber that yielded (after 2,048 steps) in
 * a microtask, 2,048 times in a row before it goes through a timer; microtasks run before any I/O callback, so a few
 * busy fibers (16 workers recomputing 10,000 units, a takeover pass) kept sockets unread for seconds. The lease renew
 * is a socket read: at 10,000 Services the leader lost its lease right after every takeover pass ("renew deadline
 * passed", bench/memory.ts with 2 s deadlines), took it back, and ran the pass again.
 *
 * Here a fiber goes through `setImmediate` after a few microtask rounds instead: the I/O callbacks that arrived in
 * the meantime run first, and nothing waits for a timer's millisecond.
 */
import type * as Fiber from "effect/Fiber"
import * as Scheduler from "effect/Scheduler"
import { setImmediate } from "node:timers"

/**
 * Microtask rounds a busy fiber gets before it lets pending I/O in (each round: up to 2,048 fiber steps). With 16, a
 * burst of 1,000 Services left Avi's answers unread for up to 40 ms at a time while eight workers' fibers ran, and
 * the workers then waited on them: 2 rounds finished the burst 0.5–1.4 s sooner (four alternated pairs, 2026-12-03).
 */
export const MICROTASK_ROUNDS = 2

export class IoFairScheduler implements Scheduler.Scheduler {
  private readonly runnerOf = Scheduler.SchedulerRunner.cached((depth, drain) => {
    if (depth >= MICROTASK_ROUNDS) setImmediate(() => drain(0))
    else queueMicrotask(() => drain(depth + 1))
  })

  shouldYield(fiber: Fiber.RuntimeFiber<unknown, unknown>): number | false {
    return Scheduler.defaultShouldYield(fiber)
  }

  scheduleTask(task: Scheduler.Task, priority: number, fiber?: Fiber.RuntimeFiber<unknown, unknown>): void {
    this.runnerOf(fiber).scheduleTask(task, priority)
  }
}

export const ioFairScheduler: Scheduler.Scheduler = new IoFairScheduler()
