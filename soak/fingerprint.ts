import type { Knex } from 'knex';
import type { RawRows } from '../src/db/row-values';

/** One string that changes whenever a task, a log, a job, a secret or a Director workload is added, changed or removed. */
export async function fingerprint(knex: Knex): Promise<string> {
  const res = await knex.raw<RawRows>(`
    select (select count(*) from tasks) as tasks,
           (select md5(coalesce(string_agg(id || ':' || state || ':' || coalesce(result, ''), ',' order by id), '')) from tasks) as task_states,
           (select count(*) from task_logs) as log_chunks,
           (select coalesce(sum(octet_length(data)), 0) from task_logs) as log_bytes,
           (select md5(coalesce(string_agg(id || ':' || coalesce(container_id, '') || ':' || coalesce(return_code::text, ''), ',' order by id), '')) from container_jobs) as jobs,
           (select md5(coalesce(string_agg(id || ':' || name || ':' || encode(ciphertext, 'hex'), ',' order by name), '')) from secrets) as secrets,
           (select md5(coalesce(string_agg(name || ':' || coalesce(manifest, ''), ',' order by name), '')) from deployments) as deployments,
           (select count(*) from stemcells) || '/' || (select count(*) from release_versions) || '/' || (select count(*) from instances) as workloads,
           (select count(*) from blobs) as blobs,
           (select count(*) from events) as events`);
  return JSON.stringify(res.rows[0]);
}

/** Which parts of two fingerprints differ. */
export function changedParts(before: string, after: string): string {
  const a = JSON.parse(before) as Record<string, unknown>;
  const b = JSON.parse(after) as Record<string, unknown>;
  return Object.keys(a)
    .filter((k) => String(a[k]) !== String(b[k]))
    .join(', ');
}
