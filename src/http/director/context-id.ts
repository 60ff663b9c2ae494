import { contextIdTooLong } from '../../errors/director-error';
import type { AppContext } from '../context';

/** The `X-Bosh-Context-Id` header, stored as the task's context_id (at most 64 characters). */
export function contextIdOf(ctx: AppContext): string {
  const value = ctx.get('X-Bosh-Context-Id');
  if (value.length > 64) throw contextIdTooLong();
  return value;
}
