import Router from '@koa/router';
import { BOSUN_VERSION } from '../../version';
import type { AppContext, AppState } from '../../http/context';

export interface DirectorIdentity {
  name: string;
  /** The Director's uuid, stored once in the database. */
  uuid: () => Promise<string>;
}

/** `GET /info`: public (the gate lets it through); `user` is set only for valid credentials. */
export function infoRoutes(identity: DirectorIdentity): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/info', async (ctx: AppContext) => {
    const user = ctx.state.user;
    ctx.body = {
      name: identity.name,
      uuid: await identity.uuid(),
      version: BOSUN_VERSION,
      user: user?.name ?? null,
      cpi: 'docker',
      stemcell_os: '',
      stemcell_version: '',
      user_authentication: { type: 'basic', options: {} },
      features: {
        local_dns: { status: false, extras: { domain_name: 'bosh' } },
        power_dns: { status: false, extras: { domain_name: 'bosh' } },
        snapshots: { status: false },
        config_server: { status: false, extras: { urls: [] } },
      },
    };
  });
  return router;
}
