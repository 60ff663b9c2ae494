import Router from '@koa/router';
import type { AppContext, AppState } from '../../../http/context';
import { requireAdmin, requireRead } from '../../../http/director/director-auth';
import { readTextBody, requireContentType } from '../../../http/raw-body';
import { z } from 'zod';
import { directorInput } from '../../../http/director/json-body';
import { queryText } from '../../../http/validate';
import { ConfigChanges, configDiff } from './config-changes';
import { configDocument, normaliseRuntimeConfig, parseManifestYaml } from './config-documents';
import type { ConfigsRepo } from './configs-repo';
import { presentLegacyConfig } from './configs-presenter';

interface LegacyKind {
  path: string;
  type: string;
  /** The event's object type (`cloud-config`...). */
  objectType: string;
  /** cpi configs have one name only. */
  named: boolean;
  /** Diffs hide property values unless `redact=false` (runtime and cpi); cloud config diffs never do. */
  redacts: boolean;
}

const KINDS: LegacyKind[] = [
  { path: '/cloud_configs', type: 'cloud', objectType: 'cloud-config', named: true, redacts: false },
  { path: '/runtime_configs', type: 'runtime', objectType: 'runtime-config', named: true, redacts: true },
  { path: '/cpi_configs', type: 'cpi', objectType: 'cpi-config', named: false, redacts: true },
];

/** `?name=`, `default` when absent or empty. */
const nameOf = (query: { name?: string }, kind: LegacyKind) => (kind.named && query.name) || 'default';

/** The query these routes read; each value is checked where its Director message is given. */
const legacyQuery = z.object({ name: queryText, redact: queryText, limit: queryText });

async function yamlBody(ctx: AppContext): Promise<string> {
  requireContentType(ctx, 'text/yaml', 'application/x-yaml');
  return readTextBody(ctx);
}

/**
 * The older routes `bosh update-cloud-config`, `cloud-config`, `update-runtime-config`,
 * `runtime-config` and the cpi config commands use. They are views of the same `configs` table
 * (types `cloud`, `runtime`, `cpi`), with the Director's older shapes: `201` with no body on upload,
 * `[{properties, created_at}]` newest first with a required `limit`, and a diff against the current
 * version of the name.
 */
export function legacyConfigsRoutes(configs: ConfigsRepo, changes: ConfigChanges) {
  const router = new Router<AppState>();
  for (const kind of KINDS) {
    router.post(
      kind.path,
      requireAdmin,
      directorInput({ query: legacyQuery }, async (ctx, { query }) => {
        const name = nameOf(query, kind);
        const event = {
          user: ctx.state.user?.name ?? null,
          action: 'update',
          objectType: kind.objectType,
          objectName: kind.named ? name : null,
        };
        const text = await yamlBody(ctx);
        try {
          const doc = parseManifestYaml(text);
          await changes.upload(kind.type, name, kind.type === 'runtime' ? normaliseRuntimeConfig(doc) : text, event);
        } catch (err) {
          await changes.record(event, err as Error);
          throw err;
        }
        ctx.status = 201;
        ctx.body = '';
      }),
    );

    router.post(
      `${kind.path}/diff`,
      requireAdmin,
      directorInput({ query: legacyQuery }, async (ctx, { query }) => {
        const after = parseManifestYaml(await yamlBody(ctx));
        const current = await configs.current(kind.type, nameOf(query, kind));
        const redact = kind.redacts && query.redact !== 'false';
        ctx.body = { diff: configDiff(current ? configDocument(current.content) : null, after, redact) };
      }),
    );

    router.get(
      kind.path,
      requireRead,
      directorInput({ query: legacyQuery }, async (ctx, { query }) => {
        const limit = query.limit;
        if (!limit) {
          ctx.status = 400;
          ctx.body = 'limit is required';
          return;
        }
        if (!/^[+-]?\d+$/.test(limit.trim())) {
          ctx.status = 400;
          ctx.body = `limit is invalid: '${limit}' is not an integer`;
          return;
        }
        const n = Number(limit);
        const found = n < 1 ? [] : await configs.find({ type: kind.type, name: nameOf(query, kind), limit: n });
        ctx.body = found.map(presentLegacyConfig);
      }),
    );
  }
  return router;
}
