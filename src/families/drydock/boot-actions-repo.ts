import type { Knex } from 'knex';
import { dateColumn } from '../../db/row-values';

export interface BootActionRecord {
  actionId: string;
  nodeName: string;
  actionName: string;
  /** The deploy_node subtask that owns it. */
  taskId: string;
  /** The node's key, hex (one per node deployment, shared by its boot actions, as Drydock does). */
  identityKey: string;
  actionStatus: string;
  createdAt: Date;
}

type Row = Record<string, unknown>;

const fromRow = (r: Row): BootActionRecord => ({
  actionId: String(r.action_id),
  nodeName: String(r.node_name),
  actionName: String(r.action_name),
  taskId: String(r.task_id),
  identityKey: String(r.identity_key),
  actionStatus: String(r.action_status),
  createdAt: dateColumn(r.created_at)!,
});

/** All SQL on `drydock_boot_actions`. */
export class BootActionsRepo {
  constructor(private readonly knex: Knex) {}

  async insert(records: Array<Omit<BootActionRecord, 'createdAt'>>): Promise<void> {
    if (!records.length) return;
    await this.knex<Row>('drydock_boot_actions').insert(
      records.map((r) => ({
        action_id: r.actionId,
        node_name: r.nodeName,
        action_name: r.actionName,
        task_id: r.taskId,
        identity_key: r.identityKey,
        action_status: r.actionStatus,
      })),
    );
  }

  async find(actionId: string, db: Knex | Knex.Transaction = this.knex): Promise<BootActionRecord | null> {
    const row = await db<Row>('drydock_boot_actions').where({ action_id: actionId.toUpperCase() }).first();
    return row ? fromRow(row) : null;
  }

  /** The boot actions of a node's latest deployment (Drydock's boot-action context of the node). */
  async latestForNode(nodeName: string): Promise<BootActionRecord[]> {
    const latest = await this.knex<Row>('drydock_boot_actions')
      .where({ node_name: nodeName })
      .orderBy('created_at', 'desc')
      .first();
    if (!latest) return [];
    return (
      await this.knex<Row>('drydock_boot_actions')
        .where({ node_name: nodeName, task_id: latest.task_id })
        .orderBy('action_name')
    ).map(fromRow);
  }

  /**
   * Sets the final status of a boot action still `incomplete`, under a row lock taken by the caller's
   * transaction: two final reports cannot both win.
   */
  async lockForUpdate(trx: Knex.Transaction, actionId: string): Promise<BootActionRecord | null> {
    const row = await trx<Row>('drydock_boot_actions').where({ action_id: actionId.toUpperCase() }).forUpdate().first();
    return row ? fromRow(row) : null;
  }

  async setStatus(trx: Knex.Transaction, actionId: string, status: string): Promise<void> {
    await trx<Row>('drydock_boot_actions')
      .where({ action_id: actionId.toUpperCase() })
      .update({ action_status: status });
  }
}
