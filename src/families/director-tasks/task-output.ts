import { Readable } from 'node:stream';
import { isAdmin, canRead } from '../../auth/user-store';
import { badRequest, scopeRequired, taskNotFound } from '../../errors/director-error';
import { isTaskLogName } from '../../tasks/task-log';
import type { TaskService } from '../../tasks/task-service';
import { resolveRange } from './byte-range';
import { z } from 'zod';
import { directorInput } from '../../http/director/json-body';
import { parseTaskId } from './task-id';
import { streamOffset, streamTaskLog, wantsEventStream } from './task-output-stream';
import { TERMINAL_STATES } from '../../tasks/task';

/**
 * `GET /tasks/:id/output?type=event|debug|result|cpi|none`: the log's bytes, whole (200) or from a
 * `Range` (206 with Content-Range; 416 when the range starts at or past the end). `none` and a missing cpi log give
 * 204. debug and cpi need an admin, as on the Director; event and result any reader.
 *
 * With `Accept: text/event-stream` the log is followed live instead (streamTaskLog), from `Last-Event-ID`
 * or `?offset=`, with the same rules on who may read it; 204 when the task has ended and nothing is left.
 */
/** `?type=`: the log to read; none (or a repeated one) reads the debug log. */
const outputQuery = z.object({
  type: z
    .unknown()
    .optional()
    .transform((t) => (typeof t === 'string' ? t : 'debug')),
});

export function taskOutput(tasks: TaskService) {
  return directorInput({ query: outputQuery }, async function getTaskOutput(ctx, { query: { type } }) {
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
    const rawId = ctx.params.id;
    const id = parseTaskId(rawId);
    const task = id === null ? null : await tasks.get(id);
    if (!task) throw taskNotFound(rawId);

    if (wantsEventStream(ctx)) {
      const from = streamOffset(ctx);
      // Nothing more will come: 204, which also tells an EventSource not to reconnect.
      if (TERMINAL_STATES.includes(task.state) && ((await tasks.logSize(task.id, type)) ?? 0) <= from) {
        ctx.status = 204;
        return;
      }
      streamTaskLog(ctx, tasks, task.id, type, from);
      return;
    }

    const stored = await tasks.logSize(task.id, type);
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
    ctx.body = Readable.from(tasks.readLog(task.id, type, start, end + 1));
    ctx.length = Math.max(0, end + 1 - start);
  });
}
