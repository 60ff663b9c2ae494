import type { Family, FamilyDeps } from '../family';
import { credhubRealm } from './credhub-auth';
import { secretsRoutes } from './secrets-routes';

/**
 * The secrets API in CredHub's style (`/api/v1/data`), for admins. The store it serves is the daemon's
 * one secret store (FamilyDeps.secrets), which deploys and container jobs read too.
 */
export function secretsFamily(deps: FamilyDeps): Family {
  return {
    operations: [],
    routers: [secretsRoutes(deps.secrets)],
    realms: [credhubRealm],
    migrations: ['20261124000004_create_secrets'],
  };
}
