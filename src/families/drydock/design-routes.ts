import crypto from 'node:crypto';
import Router from '@koa/router';
import { z } from 'zod';
import type { AppContext, AppState } from '../../http/context';
import { withInput } from '../../http/validate';
import { drydockJson, invalidInput, isYaml, readYamlBody } from './drydock-body';
import { badRequest, notFound } from './drydock-errors';
import { DesignStore, designRef, InvalidDesignError, validateDocuments } from './design-store';
import type { StoredDesign } from './designs-repo';
import { drydockTime } from './drydock-time';
import { readDocuments } from './site-design';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `?version=`: one version of the design rather than its latest. */
const versionQuery = z.object({
  version: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? undefined : Number(v)))
    .refine((v) => v === undefined || (Number.isInteger(v) && v > 0), 'version must be a positive whole number'),
});

function presentDesign(d: Omit<StoredDesign, 'documents'>) {
  return {
    design_id: d.id,
    version: d.version,
    design_ref: designRef(d.id),
    design_version_ref: designRef(d.id, d.version),
    created: drydockTime(d.createdAt),
    created_by: d.createdBy,
  };
}

/**
 * `/api/v1.0/designs`: a POST stores a YAML stream of Drydock documents as a new design (or, to
 * `/designs/{id}`, as the design's next version), refused with Drydock's validation Status when it
 * does not validate; GET lists designs and reads one (its documents as parsed).
 * `/api/v1.0/validatedesign`: Drydock's validation of a design named by `href`, or of documents sent inline.
 */
export function designRoutes(store: DesignStore): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1.0' });

  async function storeVersion(ctx: AppContext, id: string) {
    if (!isYaml(ctx)) throw badRequest('A design is a YAML stream: Content-Type must be application/x-yaml');
    const text = await readYamlBody(ctx);
    const { status } = validateDocuments(text);
    if (status.status !== 'Success') throw new InvalidDesignError(status);
    const design = await store.repo.addVersion(id, text, ctx.state.user?.name ?? null);
    ctx.status = 201;
    ctx.set('Location', `/api/v1.0/designs/${design.id}`);
    ctx.body = { ...presentDesign(design), status };
  }

  router.post('/designs', (ctx: AppContext) => storeVersion(ctx, crypto.randomUUID()));

  router.post('/designs/:id', async (ctx: AppContext) => {
    const id = ctx.params.id;
    if (!UUID.test(id) || !(await store.repo.find(id.toLowerCase()))) throw notFound(`Design ${id} not found`);
    await storeVersion(ctx, id.toLowerCase());
  });

  router.get('/designs', async (ctx: AppContext) => {
    ctx.body = (await store.repo.listLatest()).map((d) => ({ ...presentDesign(d), versions: d.versions }));
  });

  router.get(
    '/designs/:id',
    withInput({ query: versionQuery }, invalidInput, async (ctx, { query: { version } }) => {
      const id = ctx.params.id;
      const design = UUID.test(id) ? await store.repo.find(id.toLowerCase(), version) : null;
      if (!design) throw notFound(`Design ${id} not found`);
      const { documents } = readDocuments(design.documents);
      ctx.body = {
        ...presentDesign(design),
        versions: await store.repo.versions(design.id),
        documents: documents.map((d) => ({
          schema: d.ref.schema,
          metadata: { name: d.name },
          data: stripInternal(d.data),
        })),
      };
    }),
  );

  router.post('/validatedesign', async (ctx: AppContext) => {
    let text: string;
    if (isYaml(ctx)) {
      text = await readYamlBody(ctx);
    } else {
      let body: unknown;
      await drydockJson(ctx, () => {
        body = ctx.request.body;
        return Promise.resolve();
      });
      if (!body || typeof body !== 'object' || Array.isArray(body) || !Object.keys(body).length)
        throw badRequest('Request body must not be empty for validation.');
      const b = body as { href?: unknown; documents?: unknown };
      if (typeof b.documents === 'string') text = b.documents;
      else if (typeof b.href === 'string' && b.href) text = (await store.resolve(b.href)).documents;
      else throw badRequest('The "href" key must be provided in the request body.');
    }
    const { status } = validateDocuments(text);
    ctx.status = status.code;
    ctx.body = status;
  });

  return router;
}

function stripInternal(data: Record<string, unknown>): Record<string, unknown> {
  const { __labels: _l, ...rest } = data;
  return rest;
}
