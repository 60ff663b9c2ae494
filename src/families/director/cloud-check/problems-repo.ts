import type { Knex } from 'knex';
import { dateColumn, jsonColumn } from '../../../db/row-values';

export type ProblemType = 'missing_vm' | 'unresponsive_agent';
export type ProblemState = 'open' | 'closed' | 'resolved';

export interface Problem {
  id: number;
  deployment: string;
  instanceId: string;
  type: ProblemType;
  state: ProblemState;
  data: Record<string, unknown>;
  counter: number;
  createdAt: Date;
}

const fromRow = (r: Record<string, unknown>): Problem => ({
  id: Number(r.id),
  deployment: String(r.deployment),
  instanceId: String(r.instance_id),
  type: r.type as ProblemType,
  state: r.state as ProblemState,
  data: jsonColumn<Record<string, unknown>>(r.data) ?? {},
  counter: Number(r.counter),
  createdAt: dateColumn(r.created_at)!,
});

/**
 * All SQL on `deployment_problems`. Scans and fixes of a deployment run in its serial queue, one at a
 * time, so a problem is never found or resolved by two tasks at once (as the Director's problem
 * register assumes of its deployment lock).
 */
export class ProblemsRepo {
  constructor(private readonly knex: Knex) {}

  /** A deployment's open problems, oldest first (what `bosh cck` lists). */
  async open(deployment: string): Promise<Problem[]> {
    const rows = await this.knex('deployment_problems')
      .where({ deployment, state: 'open' })
      .orderBy([{ column: 'created_at' }, { column: 'id' }]);
    return rows.map(fromRow);
  }

  /** The problems of `deployment` among `ids` (ids of other deployments are not there). */
  async withIds(deployment: string, ids: number[]): Promise<Problem[]> {
    if (!ids.length) return [];
    const rows = await this.knex('deployment_problems').where({ deployment }).whereIn('id', ids).orderBy('id');
    return rows.map(fromRow);
  }

  /** What a new scan does first: the open problems of the deployment (or of these instances) are closed. */
  async closeOpen(deployment: string, instanceIds?: string[]): Promise<void> {
    const q = this.knex('deployment_problems').where({ deployment, state: 'open' });
    if (instanceIds) q.whereIn('instance_id', instanceIds);
    await q.update({ state: 'closed' });
  }

  /** A problem found: a new open one, or the open one of the same type and instance seen once more. */
  async found(deployment: string, instanceId: string, type: ProblemType): Promise<Problem> {
    const [seen] = (await this.knex('deployment_problems')
      .where({ deployment, instance_id: instanceId, type, state: 'open' })
      .update({ counter: this.knex.raw('counter + 1'), last_seen_at: this.knex.fn.now() })
      .returning('*')) as Array<Record<string, unknown>>;
    if (seen) return fromRow(seen);
    const [created] = (await this.knex('deployment_problems')
      .insert({ deployment, instance_id: instanceId, type, state: 'open', data: '{}' })
      .returning('*')) as Array<Record<string, unknown>>;
    return fromRow(created);
  }

  async markResolved(id: number): Promise<void> {
    await this.knex('deployment_problems').where({ id }).update({ state: 'resolved' });
  }
}
