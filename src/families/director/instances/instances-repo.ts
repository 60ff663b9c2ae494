import type { Knex } from 'knex';
import { dateColumn, jsonColumn, type Row } from '../../../db/row-values';

export interface Instance {
  id: string;
  deployment: string;
  group: string;
  index: number;
  bootstrap: boolean;
  /** What the operator asked for: started or stopped. */
  state: 'started' | 'stopped';
  containerId: string | null;
  configHash: string | null;
  stemcell: { name: string; version: string; api_version: number | null } | null;
  vmCreatedAt: Date | null;
  /** `bosh ignore`: left out of scans, fixes and resurrection. */
  ignore: boolean;
}

const fromRow = (r: Record<string, unknown>): Instance => ({
  id: String(r.id),
  deployment: String(r.deployment),
  group: String(r.instance_group),
  index: Number(r.idx),
  bootstrap: Boolean(r.bootstrap),
  state: r.state as Instance['state'],
  containerId: (r.container_id as string | null) ?? null,
  configHash: (r.config_hash as string | null) ?? null,
  stemcell: jsonColumn<Instance['stemcell']>(r.stemcell),
  vmCreatedAt: dateColumn(r.vm_created_at),
  ignore: Boolean(r.ignore),
});

/** All SQL on the `instances` table. */
export class InstancesRepo {
  constructor(private readonly knex: Knex) {}

  async ofDeployment(deployment: string): Promise<Instance[]> {
    const rows = await this.knex<Row>('instances')
      .where({ deployment })
      .orderBy([{ column: 'instance_group' }, { column: 'idx' }]);
    return rows.map(fromRow);
  }

  async insert(i: Pick<Instance, 'id' | 'deployment' | 'group' | 'index' | 'bootstrap'>): Promise<Instance> {
    const [row] = await this.knex<Row>('instances')
      .insert({ id: i.id, deployment: i.deployment, instance_group: i.group, idx: i.index, bootstrap: i.bootstrap })
      .returning('*');
    return fromRow(row);
  }

  async update(
    id: string,
    fields: Partial<
      Pick<Instance, 'state' | 'containerId' | 'configHash' | 'stemcell' | 'vmCreatedAt' | 'bootstrap' | 'ignore'>
    >,
  ): Promise<void> {
    const row: Record<string, unknown> = {};
    if (fields.state !== undefined) row.state = fields.state;
    if (fields.containerId !== undefined) row.container_id = fields.containerId;
    if (fields.configHash !== undefined) row.config_hash = fields.configHash;
    if (fields.stemcell !== undefined) row.stemcell = JSON.stringify(fields.stemcell);
    if (fields.vmCreatedAt !== undefined) row.vm_created_at = fields.vmCreatedAt;
    if (fields.bootstrap !== undefined) row.bootstrap = fields.bootstrap;
    if (fields.ignore !== undefined) row.ignore = fields.ignore;
    if (Object.keys(row).length) await this.knex<Row>('instances').where({ id }).update(row);
  }

  /** The container id of every instance that has one (the VMs bosun still owns). */
  async containerIds(): Promise<Set<string>> {
    const rows: Array<{ container_id: string }> = await this.knex('instances')
      .whereNotNull('container_id')
      .select('container_id');
    return new Set(rows.map((r) => r.container_id));
  }

  /** Every instance, of any deployment, that should run and has a VM, ignored ones aside (the resurrector's sweep). */
  async startedWithVm(): Promise<Instance[]> {
    const rows = await this.knex('instances').where({ state: 'started', ignore: false }).whereNotNull('container_id');
    return rows.map(fromRow);
  }

  async find(id: string): Promise<Instance | null> {
    const row = (await this.knex('instances').where({ id }).first()) as Record<string, unknown> | undefined;
    return row ? fromRow(row) : null;
  }

  async delete(id: string): Promise<void> {
    await this.knex<Row>('instances').where({ id }).delete();
  }
}
