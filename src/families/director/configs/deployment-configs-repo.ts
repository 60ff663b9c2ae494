import type { Knex } from 'knex';

export interface DeploymentConfigRef {
  deployment: string;
  configId: number;
  type: string;
  name: string;
}

/** All SQL on the `deployments_configs` table: the config versions a deployment was deployed with. */
export class DeploymentConfigsRepo {
  constructor(private readonly knex: Knex) {}

  /** Replaces the deployment's config versions with the ones it has just been deployed with. */
  async record(deployment: string, configIds: number[]): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await trx('deployments_configs').where({ deployment }).delete();
      if (configIds.length)
        await trx('deployments_configs').insert(configIds.map((configId) => ({ deployment, config_id: configId })));
    });
  }

  /** The config ids of a deployment, oldest first. */
  async idsOf(deployment: string): Promise<number[]> {
    const rows = await this.knex('deployments_configs')
      .where({ deployment })
      .orderBy('config_id')
      .select<Array<{ config_id: number }>>('config_id');
    return rows.map((r) => Number(r.config_id));
  }

  /** Every deployment's configs, or those of the named deployments. */
  async list(deployments?: string[]): Promise<DeploymentConfigRef[]> {
    const rows = await this.knex('deployments_configs as dc')
      .join('configs as c', 'c.id', 'dc.config_id')
      .modify((q) => {
        if (deployments) q.whereIn('dc.deployment', deployments);
      })
      .orderBy(['dc.deployment', 'dc.config_id'])
      .select<Array<Record<string, unknown>>>('dc.deployment', 'dc.config_id', 'c.type', 'c.name');
    return rows.map((r) => ({
      deployment: String(r.deployment),
      configId: Number(r.config_id),
      type: String(r.type),
      name: String(r.name),
    }));
  }
}
