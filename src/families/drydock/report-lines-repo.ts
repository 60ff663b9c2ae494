import type { Knex } from 'knex';

/** An event line of a boot-action report, for its Director task's event log. */
export interface ReportLine {
  node: string;
  action: string;
  message: string;
  error: boolean;
}

/** All SQL on `drydock_report_lines`: report lines waiting for their Director task's event log. */
export class ReportLinesRepo {
  constructor(private readonly knex: Knex) {}

  async insert(trx: Knex.Transaction, directorTaskId: number, lines: ReportLine[]): Promise<void> {
    if (!lines.length) return;
    await trx('drydock_report_lines').insert(
      lines.map((l) => ({
        director_task_id: directorTaskId,
        node_name: l.node,
        action_name: l.action,
        message: l.message,
        error: l.error,
      })),
    );
  }

  /**
   * Takes (deletes and answers, in the order they were stored) a task's waiting lines: whoever takes a
   * line writes it. Callers take turns: the node running the task while it runs, then whoever holds
   * the task's row.
   */
  async take(directorTaskId: number, db: Knex | Knex.Transaction = this.knex): Promise<ReportLine[]> {
    const rows: Array<Record<string, unknown>> = await db('drydock_report_lines')
      .where({ director_task_id: directorTaskId })
      .delete()
      .returning(['id', 'node_name', 'action_name', 'message', 'error']);
    return rows
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((r) => ({
        node: String(r.node_name),
        action: String(r.action_name),
        message: String(r.message),
        error: Boolean(r.error),
      }));
  }

  /** The tasks that have lines waiting. */
  async tasksWaiting(): Promise<number[]> {
    const rows = await this.knex('drydock_report_lines').distinct('director_task_id');
    return rows.map((r: { director_task_id: number }) => Number(r.director_task_id));
  }
}
