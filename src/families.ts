import Docker from 'dockerode';
import type { Family, FamilyDeps } from './families/family';
import { directorFamily } from './families/director/family';
import { credhubRealm } from './families/secrets/credhub-auth';
import { secretsRoutes } from './families/secrets/secrets-routes';
import { gostintRealm } from './families/container-jobs/container-jobs-auth';
import { schedulerFamily } from './families/scheduler/family';
import { gostintFamily } from './families/container-jobs/family';
import { loadSecretsKey, SecretStore } from './secrets/secret-store';

/** bosun's API families besides the Director's task routes: secrets, container jobs, and the Director's workloads. */
export const BOSUN_FAMILIES: Array<(deps: FamilyDeps) => Family> = [
  (deps) => {
    const docker = new Docker({ socketPath: deps.config.docker.socket });
    const secrets = new SecretStore(deps.db.knex, loadSecretsKey(deps.config));
    const jobs = gostintFamily(deps, {
      docker,
      secrets,
      networkMode: deps.config.docker.network,
      stopGraceSeconds: deps.config.docker.stop_grace_seconds,
    });
    const director = directorFamily(deps, docker, secrets);
    return {
      operations: [...jobs.operations, ...director.operations],
      routers: [secretsRoutes(secrets), ...jobs.routers, ...director.routers],
      realms: [credhubRealm, gostintRealm],
      verboseTaskTypes: [...(jobs.verboseTaskTypes ?? []), ...(director.verboseTaskTypes ?? [])],
      start: jobs.start,
      schedulable: [...(jobs.schedulable ?? []), ...(director.schedulable ?? [])],
    };
  },
  schedulerFamily,
];
