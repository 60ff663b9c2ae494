import type { Knex } from 'knex';

/**
 * Director workloads: uploaded archives (chunked blobs every node can read), stemcells, releases with
 * their jobs and packages, compiled packages, deployments, their instances, and the event history.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('blobs', (t) => {
    t.text('id').notNullable();
    t.integer('part').notNullable();
    t.binary('data').notNullable();
    t.primary(['id', 'part']);
  });
  await knex.schema.createTable('stemcells', (t) => {
    t.increments('id').primary();
    t.text('name').notNullable();
    t.text('version').notNullable();
    t.text('operating_system').notNullable();
    t.integer('api_version');
    t.text('cid').notNullable();
    t.text('sha1').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['name', 'version']);
  });
  await knex.schema.createTable('release_versions', (t) => {
    t.increments('id').primary();
    t.text('name').notNullable();
    t.text('version').notNullable();
    t.text('commit_hash').notNullable().defaultTo('');
    t.boolean('uncommitted_changes').notNullable().defaultTo(false);
    /** Jobs and packages of this version: [{name, fingerprint, sha1, ...}] as release.MF lists them. */
    t.jsonb('jobs').notNullable();
    t.jsonb('packages').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['name', 'version']);
  });
  for (const table of ['release_jobs', 'release_packages']) {
    await knex.schema.createTable(table, (t) => {
      t.text('name').notNullable();
      t.text('fingerprint').notNullable();
      t.text('sha1').notNullable();
      t.text('blob_id').notNullable();
      t.primary(['name', 'fingerprint']);
    });
  }
  await knex.schema.createTable('compiled_packages', (t) => {
    t.text('name').notNullable();
    t.text('fingerprint').notNullable();
    t.text('stemcell_os').notNullable();
    t.text('stemcell_version').notNullable();
    /** Fingerprints of the compiled dependencies it was built against. */
    t.text('dependency_key').notNullable();
    t.text('sha1').notNullable();
    t.text('blob_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['name', 'fingerprint', 'stemcell_os', 'stemcell_version', 'dependency_key']);
  });
  await knex.schema.createTable('deployments', (t) => {
    t.text('name').primary();
    /** The last successfully deployed manifest, as the client sent it; null until a deploy succeeds. */
    t.text('manifest');
    t.jsonb('releases').notNullable().defaultTo('[]');
    t.jsonb('stemcells').notNullable().defaultTo('[]');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('instances', (t) => {
    t.uuid('id').primary();
    t.text('deployment').notNullable().references('name').inTable('deployments').onDelete('CASCADE');
    t.text('instance_group').notNullable();
    t.integer('idx').notNullable();
    t.boolean('bootstrap').notNullable().defaultTo(false);
    /** started | stopped: what the operator asked for. */
    t.text('state').notNullable().defaultTo('started');
    t.text('container_id');
    t.text('config_hash');
    t.jsonb('stemcell');
    t.timestamp('vm_created_at', { useTz: true });
    t.unique(['deployment', 'instance_group', 'idx']);
  });
  await knex.schema.createTable('events', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('parent_id');
    t.timestamp('timestamp', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('user');
    t.text('action').notNullable();
    t.text('object_type').notNullable();
    t.text('object_name');
    t.text('task');
    t.text('deployment');
    t.text('instance');
    t.text('error');
    t.jsonb('context').notNullable().defaultTo('{}');
  });
  await knex.raw('create index events_by_deployment on events (deployment, id desc)');
  await knex.raw('create index events_by_task on events (task, id desc)');
}

export async function down(knex: Knex): Promise<void> {
  for (const t of [
    'events',
    'instances',
    'deployments',
    'compiled_packages',
    'release_packages',
    'release_jobs',
    'release_versions',
    'stemcells',
    'blobs',
  ]) {
    await knex.schema.dropTable(t);
  }
}
