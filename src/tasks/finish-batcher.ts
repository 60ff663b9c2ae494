import type { Knex } from 'knex';
import { StatementBatcher } from './statement-batcher';
import type { TaskEnd, TasksRepo } from './tasks-repo';

/**
 * Ends a node's tasks sharing commits: tasks that end while a statement is in flight end together in
 * the next one. Each caller learns whether its task was still the node's to end.
 */
export class FinishBatcher {
  private readonly batcher: StatementBatcher<TaskEnd, boolean>;

  constructor(knex: Knex, tasks: TasksRepo, nodeId: string, notifyInSql: boolean) {
    this.batcher = new StatementBatcher(async (ends) => {
      const ended = await tasks.finishMany(knex, nodeId, ends, notifyInSql);
      return ends.map((e) => ended.has(e.id));
    });
  }

  finish(end: TaskEnd): Promise<boolean> {
    return this.batcher.submit(end);
  }
}
