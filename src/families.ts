import Docker from 'dockerode';
import type { Family, FamilyDeps } from './daemon';
import { secretsRoutes } from './http/credhub/secrets-routes';
import { gostintFamily } from './http/gostint/gostint-family';
import { loadSecretsKey, SecretStore } from './secrets/secret-store';

/** bosun's API families besides the Director's task routes: the secret store and container jobs. */
export const BOSUN_FAMILIES: Array<(deps: FamilyDeps) => Family> = [
  (deps) => {
    const secrets = new SecretStore(deps.db.knex, loadSecretsKey(deps.config));
    const jobs = gostintFamily(deps, {
      docker: new Docker({ socketPath: deps.config.docker.socket }),
      secrets,
      networkMode: deps.config.docker.network,
      stopGraceSeconds: deps.config.docker.stop_grace_seconds,
    });
    return { ...jobs, routers: [secretsRoutes(secrets, deps.users), ...jobs.routers] };
  },
];
