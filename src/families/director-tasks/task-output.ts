import { Readable } from 'node:stream';
import { isAdmin, canRead } from '../../auth/user-store';
import { badRequest, scopeRequired, taskNotFound } from '../../errors/director-error';
import { isTaskLogName } from '../../tasks/task-log';
import type { TaskService } from '../../tasks/task-service';
import { resolveRange } from './byte-range';
import type { AppContext } from '../../http/context';
import { parseTaskId } from './task-id';

/**
 * `GET /tasks/:id/output?type=event|debug|result|cpi|none`: the log's bytes, whole (200) or from a
 * `Range` (206 with Content-Range; 416 when the range starts at or past the end). `none` and a missing cpi log give
 * 204. debug and cpi need an admin, as on the Director; event and result any reader.
 */
export function taskOutput(tasks: TaskService) {
  return async function getTaskOutput(ctx: AppContext) {
    const type = typeof ctx.query.type === 'string' ? ctx.query.type : 'debug';
    const user = ctx.state.user!;
    if (type === 'none') {
      if (!canRead(user)) throw scopeRequired(['bosh.admin', 'bosh.read']);
      ctx.status = 204;
      return;
    }
    if (!isTaskLogName(type)) throw badRequest(`Unknown type ${type}`);
    if ((type === 'debug' || type === 'cpi') && !isAdmin(user)) throw scopeRequired(['bosh.admin']);
    const missingMeansEmpty = type !== 'cpi' && type !== 'stdout' && type !== 'stderr';
    if (!canRead(user)) throw scopeRequired(['bosh.admin', 'bosh.read']);
    const id = parseTaskId(ctx.params.id);
    if (id === null || !(await tasks.get(id))) throw taskNotFound(ctx.params.id);

    const stored = await tasks.logSize(id, type);
    if (stored === null && !missingMeansEmpty) {
      ctx.status = 204;
      return;
    }
    const size = stored ?? 0;
    const range = resolveRange(ctx.get('Range') || undefined, size);
    ctx.type = 'text/plain';
    if (range.kind === 'unsatisfiable') {
      ctx.status = 416;
      ctx.set('Content-Range', `bytes */${size}`);
      ctx.body = 'Byte range unsatisfiable';
      return;
    }
    const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, size - 1];
    if (range.kind === 'partial') {
      ctx.status = 206;
      ctx.set('Content-Range', `bytes ${start}-${end}/${size}`);
    } else {
      ctx.status = 200;
    }
    ctx.body = Readable.from(tasks.readLog(id, type, start, end + 1));
    ctx.length = Math.max(0, end + 1 - start);
  };
}
