import type { Deployment } from './deployments/deployments-repo';
import type { DirectorEvent } from './events/events-repo';
import type { Instance } from './instances/instances-repo';
import type { ReleaseVersion } from './releases/releases-repo';
import type { Stemcell } from './stemcells/stemcells-repo';
import type { Task } from '../../tasks/task';

/** Wire shapes of the Director's workload endpoints, with the types the BOSH CLI decodes. */

export function presentStemcell(s: Stemcell, usedBy: string[]) {
  return {
    name: s.name,
    operating_system: s.operatingSystem,
    version: s.version,
    cid: s.cid,
    cpi: '',
    deployments: usedBy.map((name) => ({ name })),
    api_version: s.apiVersion ?? 1,
    id: String(s.id),
  };
}

export function presentReleases(versions: ReleaseVersion[], deployed: Set<string>) {
  const byName = new Map<string, ReleaseVersion[]>();
  for (const v of versions) byName.set(v.name, [...(byName.get(v.name) ?? []), v]);
  return [...byName.entries()].map(([name, vs]) => ({
    name,
    release_versions: vs.map((v) => ({
      version: v.version,
      commit_hash: v.commitHash,
      uncommitted_changes: v.uncommittedChanges,
      currently_deployed: deployed.has(`${v.name}/${v.version}`),
      job_names: v.jobs.map((j) => j.name),
    })),
  }));
}

export function presentDeployment(d: Deployment, locked: boolean, cloudConfig = 'none') {
  return { name: d.name, cloud_config: cloudConfig, releases: d.releases, stemcells: d.stemcells, teams: [], locked };
}

export function presentVm(i: Instance) {
  return {
    agent_id: i.id,
    cid: i.containerId ? i.containerId.slice(0, 12) : null,
    job: i.group,
    index: i.index,
    id: i.id,
  };
}

export function presentInstance(i: Instance) {
  return { ...presentVm(i), expects_vm: true };
}

export function presentLock(t: Task, timeoutSeconds: number) {
  const [, type, ...resource] = (t.queueName ?? '').split(':');
  const base = (t.checkpointTime ?? t.startedAt ?? t.timestamp).getTime() / 1000;
  return { type, resource, timeout: (base + timeoutSeconds).toFixed(6), task_id: String(t.id) };
}

export function presentEvent(e: DirectorEvent) {
  const out: Record<string, unknown> = {
    id: String(e.id),
    parent_id: e.parentId === null ? null : String(e.parentId),
    timestamp: Math.floor(e.timestamp.getTime() / 1000),
    user: e.user,
    action: e.action,
    object_type: e.objectType,
    object_name: e.objectName,
    error: e.error,
    task: e.task,
    deployment: e.deployment,
    instance: e.instance,
  };
  for (const k of Object.keys(out)) if (out[k] === null || out[k] === '') delete out[k];
  out.context = e.context;
  return out;
}
