import type { AppContext } from '../../http/context';
import { SyncError } from './sync-errors';

/** A task body may carry a variables object up to `syncs.max_variables_bytes`; past this the body is a 413. */
export const MAX_JSON_BODY = 16 * 1024 * 1024;

/** The request's media type, lower case, without parameters; '' when none was sent. */
export const mediaType = (ctx: AppContext) => (ctx.get('Content-Type') || '').split(';')[0].trim().toLowerCase();

/** The whole body, refused past `limit` bytes (before reading it all when Content-Length says so). */
export async function readBody(ctx: AppContext, limit: number): Promise<Buffer> {
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > limit) throw new SyncError(413, `the request body is larger than ${limit} bytes`);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new SyncError(413, `the request body is larger than ${limit} bytes`);
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

/**
 * A JSON request body. A request without a Content-Type is read as JSON too: CTS's older client sends
 * its PATCH without one. Another Content-Type is a 415.
 */
export async function readJson(ctx: AppContext): Promise<unknown> {
  const type = mediaType(ctx);
  if (type && type !== 'application/json' && !type.endsWith('+json'))
    throw new SyncError(415, 'Content-Type must be application/json');
  const text = (await readBody(ctx, MAX_JSON_BODY)).toString('utf8');
  if (!text.trim()) throw new SyncError(400, 'the request body is empty; a JSON object is required');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SyncError(400, `the request body is not valid JSON: ${(err as Error).message}`);
  }
}
