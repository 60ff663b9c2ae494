import type { Next } from 'koa';
import { koaBody } from 'koa-body';
import type { AppContext } from '../../http/context';
import { readTextBody } from '../../http/raw-body';
import { findNul, nulMessage } from '../../http/nul-detector';
import { badRequest } from './drydock-errors';

const parseJson = koaBody({
  json: true,
  urlencoded: false,
  text: false,
  multipart: false,
  jsonLimit: '1mb',
  jsonStrict: false,
});

/** A body Drydock's `req_json` would read: `application/json`, else 400 "Requires application/json payload". */
export async function drydockJson(ctx: AppContext, next: Next) {
  if (ctx.request.length && !ctx.is('application/json')) throw badRequest('Requires application/json payload');
  await parseJson(ctx as never, async () => {
    const nul = findNul(ctx.request.body);
    if (nul) throw badRequest(`Invalid JSON in body: ${nulMessage(nul)}`);
    await next();
  });
}

export const YAML_TYPES = ['application/x-yaml', 'application/yaml', 'text/yaml', 'text/x-yaml', 'text/plain'];

export function isYaml(ctx: AppContext): boolean {
  const type = (ctx.get('Content-Type') || '').split(';')[0].trim().toLowerCase();
  return YAML_TYPES.includes(type);
}

/** A YAML stream body (at most 10 MB), without NUL characters. */
export async function readYamlBody(ctx: AppContext): Promise<string> {
  const text = await readTextBody(ctx);
  if (text.includes('\u0000')) throw badRequest('The design contains a NUL character');
  return text;
}
