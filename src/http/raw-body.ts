import { payloadTooLarge, unsupportedMediaType } from '../errors/director-error';
import type { AppContext } from './context';

/** Manifests and other YAML bodies: at most this many bytes. */
export const MAX_YAML_BODY = 10 * 1024 * 1024;

/** The request's Content-Type (without parameters) must be one of `types`; an empty body may have none. */
export function requireContentType(ctx: AppContext, ...types: string[]): void {
  const type = (ctx.get('Content-Type') || '').split(';')[0].trim().toLowerCase();
  if (!types.includes(type)) throw unsupportedMediaType(types.join(' or '));
}

/** The whole body as UTF-8 text, refused past `limit` bytes (before reading it all when Content-Length says so). */
export async function readTextBody(ctx: AppContext, limit = MAX_YAML_BODY): Promise<string> {
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > limit) throw payloadTooLarge(`${limit} bytes`);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw payloadTooLarge(`${limit} bytes`);
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}
