import { z } from 'zod';
import type { AppContext } from '../../http/context';
import { jsonBodyParser } from '../../http/json-body';
import { readTextBody } from '../../http/raw-body';
import type { InputProblem } from '../../http/validate';
import { badRequest } from './drydock-errors';

/** A body Drydock's `req_json` would read: `application/json`, else 400 "Requires application/json payload". */
export const drydockJson = jsonBodyParser({
  notJson: () => badRequest('Requires application/json payload'),
  bodyOptional: true,
  objectsOnly: false,
  nul: (message) => badRequest(`Invalid JSON in body: ${message}`),
});

/** Drydock's 400 for a query parameter that fails its schema: the schema's own message. */
export const invalidInput = (p: InputProblem) => badRequest(p.message);

/** A query parameter as falcon reads it with `get_param`: a string, or not given (also when repeated). */
export const drydockParam = z
  .unknown()
  .optional()
  .transform((v) => (typeof v === 'string' ? v : undefined));

/** falcon's `get_param_as_bool`: true/True/t/yes/y/1 and their false counterparts; anything else is not given. */
export const drydockFlag = drydockParam.transform(
  (v) => v !== undefined && ['true', 't', 'yes', 'y', '1', 'on'].includes(v.toLowerCase()),
);

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
