import type { Knex } from 'knex';
import { dateColumn, type RawRows } from '../../db/row-values';

export interface BuildData {
  nodeName: string;
  taskId: string;
  collectedDate: Date;
  generator: string;
  dataFormat: string;
  dataElement: string;
}

type Row = Record<string, unknown>;

const fromRow = (r: Row): BuildData => ({
  nodeName: String(r.node_name),
  taskId: String(r.task_id),
  collectedDate: dateColumn(r.collected_date)!,
  generator: String(r.generator),
  dataFormat: String(r.data_format),
  dataElement: String(r.data_element),
});

/** All SQL on `drydock_build_data`. */
export class BuildDataRepo {
  constructor(private readonly knex: Knex) {}

  async insert(records: BuildData[]): Promise<void> {
    if (!records.length) return;
    await this.knex('drydock_build_data').insert(
      records.map((b) => ({
        node_name: b.nodeName,
        task_id: b.taskId,
        collected_date: b.collectedDate,
        generator: b.generator,
        data_format: b.dataFormat,
        data_element: b.dataElement,
      })),
    );
  }

  /**
   * A node's records, newest first; with `latest`, only the newest of each generator (DISTINCT ON,
   * served by the (node_name, generator, collected_date desc) index without a sort of the node's rows).
   */
  async forNode(nodeName: string, latest: boolean): Promise<BuildData[]> {
    if (latest) {
      const res = await this.knex.raw<RawRows>(
        `select distinct on (generator) * from drydock_build_data where node_name = ? order by generator, collected_date desc, id desc`,
        [nodeName],
      );
      return (res.rows as Row[]).map(fromRow);
    }
    const rows = await this.knex('drydock_build_data')
      .where({ node_name: nodeName })
      .orderBy([
        { column: 'collected_date', order: 'desc' },
        { column: 'id', order: 'desc' },
      ]);
    return rows.map(fromRow);
  }

  /** Records collected by the given tasks (a task and its subtasks), oldest first. */
  async forTasks(taskIds: string[]): Promise<BuildData[]> {
    if (!taskIds.length) return [];
    return (await this.knex('drydock_build_data').whereIn('task_id', taskIds).orderBy('id')).map(fromRow);
  }
}

/** The seed's record shape (BuildData.to_dict). */
export function presentBuildData(b: BuildData, time: (d: Date) => string) {
  return {
    node_name: b.nodeName,
    task_id: b.taskId,
    collected_date: time(b.collectedDate),
    generator: b.generator,
    data_format: b.dataFormat,
    data_element: b.dataElement,
  };
}
