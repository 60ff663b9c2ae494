import type { Knex } from 'knex';
import { dateColumn, jsonColumn } from '../../db/row-values';

/** MaaS's status names, which Drydock's node list shows as `status_name`. */
export type NodeStatusName = 'Ready' | 'Deploying' | 'Deployed' | 'Failed deployment' | 'Broken';

export interface NodeRecord {
  name: string;
  designId: string | null;
  containerId: string | null;
  image: string | null;
  statusName: NodeStatusName;
  cpuCount: number | null;
  memory: number | null;
  labels: Record<string, string>;
  updatedAt: Date;
}

type Row = Record<string, unknown>;

const fromRow = (r: Row): NodeRecord => ({
  name: String(r.name),
  designId: (r.design_id as string | null) ?? null,
  containerId: (r.container_id as string | null) ?? null,
  image: (r.image as string | null) ?? null,
  statusName: r.status_name as NodeStatusName,
  cpuCount: r.cpu_count == null ? null : Number(r.cpu_count),
  memory: r.memory == null ? null : Number(r.memory),
  labels: jsonColumn(r.labels),
  updatedAt: dateColumn(r.updated_at)!,
});

/** All SQL on `drydock_nodes`: the site's provisioned nodes. */
export class NodesRepo {
  constructor(private readonly knex: Knex) {}

  async upsert(n: Omit<NodeRecord, 'updatedAt'>): Promise<void> {
    await this.knex<Row>('drydock_nodes')
      .insert({
        name: n.name,
        design_id: n.designId,
        container_id: n.containerId,
        image: n.image,
        status_name: n.statusName,
        cpu_count: n.cpuCount,
        memory: n.memory,
        labels: JSON.stringify(n.labels),
        updated_at: new Date(),
      })
      .onConflict('name')
      .merge();
  }

  async setStatus(name: string, statusName: NodeStatusName): Promise<void> {
    await this.knex<Row>('drydock_nodes').where({ name }).update({ status_name: statusName, updated_at: new Date() });
  }

  async setLabels(name: string, labels: Record<string, string>): Promise<boolean> {
    return (
      (await this.knex<Row>('drydock_nodes')
        .where({ name })
        .update({ labels: JSON.stringify(labels), updated_at: new Date() })) > 0
    );
  }

  async find(name: string): Promise<NodeRecord | null> {
    const row = await this.knex<Row>('drydock_nodes').where({ name }).first();
    return row ? fromRow(row) : null;
  }

  async list(): Promise<NodeRecord[]> {
    return (await this.knex<Row>('drydock_nodes').orderBy('name')).map(fromRow);
  }

  async delete(name: string): Promise<void> {
    await this.knex<Row>('drydock_nodes').where({ name }).delete();
  }
}
