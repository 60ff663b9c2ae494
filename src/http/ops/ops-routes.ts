import Router from '@koa/router';
import type { Registry } from 'prom-client';
import type { Logger } from '../../logger';
import type { AppContext, AppState } from '../context';

/** What `/readyz` checks; each resolves true when fine. */
export interface ReadinessChecks {
  database(): Promise<boolean>;
  migrationsCurrent(): Promise<boolean>;
  runnerClaiming(): boolean;
}

/** A check that does not answer within this counts as failed. */
const CHECK_TIMEOUT_MS = 2000;

async function passes(check: () => Promise<boolean> | boolean): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(check),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS))),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

const plain = (ctx: AppContext, status: number, body: string) => {
  ctx.status = status;
  ctx.type = 'text/plain';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
};

/**
 * `GET /healthz`: the process answers (200). `GET /readyz`: 200 when the database answers, its schema
 * is this version's and the runner claims tasks, else 503; which check failed goes to the log, not to
 * the caller. `GET /metrics`: the registry in Prometheus's text format.
 */
export function opsRoutes(checks: ReadinessChecks, registry: Registry, log: Logger): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/healthz', (ctx: AppContext) => plain(ctx, 200, 'ok\n'));
  router.get('/readyz', async (ctx: AppContext) => {
    const [database, migrations, runner] = await Promise.all([
      passes(() => checks.database()),
      passes(() => checks.migrationsCurrent()),
      passes(() => checks.runnerClaiming()),
    ]);
    if (database && migrations && runner) return plain(ctx, 200, 'ready\n');
    log.warn({ database, migrations, runner }, 'not ready');
    plain(ctx, 503, 'not ready\n');
  });
  router.get('/metrics', async (ctx: AppContext) => {
    const text = await registry.metrics();
    ctx.status = 200;
    ctx.type = registry.contentType;
    ctx.body = text;
  });
  return router;
}
