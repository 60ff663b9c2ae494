import type { Knex } from 'knex';
import { dateColumn, jsonColumn, type Row } from '../../../db/row-values';

export interface DirectorEvent {
  id: number;
  parentId: number | null;
  timestamp: Date;
  user: string | null;
  action: string;
  objectType: string;
  objectName: string | null;
  task: string | null;
  deployment: string | null;
  instance: string | null;
  error: string | null;
  context: Record<string, unknown>;
}

export type NewEvent = Omit<DirectorEvent, 'id' | 'timestamp'>;

export interface EventFilter {
  beforeId?: number;
  beforeTime?: Date;
  afterTime?: Date;
  task?: string;
  deployment?: string;
  instance?: string;
  user?: string;
  action?: string;
  objectType?: string;
  objectName?: string;
  limit: number;
}

const fromRow = (r: Record<string, unknown>): DirectorEvent => ({
  id: Number(r.id),
  parentId: r.parent_id == null ? null : Number(r.parent_id),
  timestamp: dateColumn(r.timestamp)!,
  user: (r.user as string | null) ?? null,
  action: String(r.action),
  objectType: String(r.object_type),
  objectName: (r.object_name as string | null) ?? null,
  task: (r.task as string | null) ?? null,
  deployment: (r.deployment as string | null) ?? null,
  instance: (r.instance as string | null) ?? null,
  error: (r.error as string | null) ?? null,
  context: jsonColumn<Record<string, unknown>>(r.context),
});

/** All SQL on the `events` table. */
export class EventsRepo {
  constructor(private readonly knex: Knex) {}

  async insert(e: NewEvent): Promise<DirectorEvent> {
    const [row] = await this.knex<Row>('events')
      .insert({
        parent_id: e.parentId,
        user: e.user,
        action: e.action,
        object_type: e.objectType,
        object_name: e.objectName,
        task: e.task,
        deployment: e.deployment,
        instance: e.instance,
        error: e.error,
        context: JSON.stringify(e.context),
      })
      .returning('*');
    return fromRow(row);
  }

  async find(id: number): Promise<DirectorEvent | null> {
    const row = await this.knex<Row>('events').where({ id }).first();
    return row ? fromRow(row) : null;
  }

  /** Newest first, the Director's filters, at most `limit`. */
  async list(f: EventFilter): Promise<DirectorEvent[]> {
    const q = this.knex<Row>('events').orderBy('id', 'desc').limit(f.limit);
    if (f.beforeId !== undefined) q.where('id', '<', f.beforeId);
    if (f.beforeTime) q.where('timestamp', '<', f.beforeTime);
    if (f.afterTime) q.where('timestamp', '>=', f.afterTime);
    const exact: Array<[keyof EventFilter, string]> = [
      ['task', 'task'],
      ['deployment', 'deployment'],
      ['instance', 'instance'],
      ['user', 'user'],
      ['action', 'action'],
      ['objectType', 'object_type'],
      ['objectName', 'object_name'],
    ];
    for (const [key, column] of exact) if (f[key] !== undefined) q.where(column, f[key] as string);
    return (await q).map(fromRow);
  }
}
