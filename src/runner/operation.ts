import type { z } from 'zod';
import type { TaskKind } from '../tasks/task-kind';
import type { TaskContext } from './task-context';

/**
 * One kind of long-running work. The runner parses the task's stored parameters with `params`, calls
 * `run`, and turns what it returns (or throws) into the task's final state and `result`.
 */
export interface Operation<P = unknown> extends TaskKind<z.ZodType<P>> {
  run(params: P, ctx: TaskContext): Promise<string>;
}

export function defineOperation<P>(op: Operation<P>): Operation<P> {
  return op;
}

export class OperationRegistry {
  private readonly ops = new Map<string, Operation<unknown>>();

  constructor(ops: Array<Operation<unknown>> = []) {
    for (const op of ops) this.add(op);
  }

  add(op: Operation<unknown>): void {
    if (this.ops.has(op.type)) throw new Error(`operation ${op.type} registered twice`);
    this.ops.set(op.type, op);
  }

  get types(): string[] {
    return [...this.ops.keys()];
  }

  has(type: string): boolean {
    return this.ops.has(type);
  }

  get(type: string): Operation<unknown> | undefined {
    return this.ops.get(type);
  }
}
