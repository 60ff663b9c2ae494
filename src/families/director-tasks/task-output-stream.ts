import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { badRequest } from '../../errors/director-error';
import type { AppContext } from '../../http/context';
import type { TaskLogName } from '../../tasks/task-log';
import type { TaskService } from '../../tasks/task-service';
import { SseLogEncoder } from './sse-log-encoder';

/** A comment sent while a log is quiet, so that proxies keep the connection and a gone client is noticed. */
const HEARTBEAT_MS = 15_000;

const OFFSET = /^\d{1,15}$/;

/** Whether the client asks for the log as a live event stream rather than a byte range (a HEAD never is). */
export function wantsEventStream(ctx: AppContext): boolean {
  return ctx.method === 'GET' && /(^|[\s,])text\/event-stream\b/i.test(ctx.get('Accept'));
}

/** Where a stream starts: `Last-Event-ID` (a reconnecting EventSource), else `?offset=`, else the start. */
export function streamOffset(ctx: AppContext): number {
  const lastId = ctx.get('Last-Event-ID');
  const query = typeof ctx.query.offset === 'string' ? ctx.query.offset : undefined;
  const [given, name] = lastId ? [lastId, 'Last-Event-ID'] : [query, 'offset'];
  if (given === undefined) return 0;
  if (!OFFSET.test(given.trim())) throw badRequest(`${name} must be a byte offset (a whole number), not '${given}'`);
  return Number(given.trim());
}

/** The open streams, all given their heartbeat by one timer (a thousand followers cost no thousand timers). */
const streams = new Set<ServerResponse>();
let heartbeat: NodeJS.Timeout | null = null;

function beat(): void {
  for (const res of streams) if (!res.writableNeedDrain) res.write(':\n\n');
}

function track(res: ServerResponse): () => void {
  streams.add(res);
  heartbeat ??= setInterval(beat, HEARTBEAT_MS).unref();
  return () => {
    streams.delete(res);
    if (!streams.size && heartbeat) {
      clearInterval(heartbeat);
      heartbeat = null;
    }
  };
}

/**
 * Answers with the log from `from` as server-sent events (SseLogEncoder's format): its bytes as they are
 * stored, on whichever node runs the task, then an `end` event (`{"state","size"}`) once the task has ended
 * and all of it was sent, and the response ends. A client that reads slowly holds the stream back (its
 * bytes wait in the database, not in memory); one that goes away ends it. The response is written
 * directly, without a stream in between: a follower costs its socket and little more.
 */
export function streamTaskLog(ctx: AppContext, tasks: TaskService, id: number, log: TaskLogName, from: number): void {
  const res = ctx.res;
  const stop = new AbortController();
  res.once('close', () => stop.abort());
  ctx.status = 200;
  ctx.type = 'text/event-stream';
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('X-Accel-Buffering', 'no');
  ctx.respond = false;

  const send = async (text: string) => {
    if (!text || stop.signal.aborted) return;
    if (!res.write(text)) await once(res, 'drain', { signal: stop.signal }).catch(() => undefined);
  };
  const logger = ctx.state.log;
  void (async () => {
    const untrack = track(res);
    const encoder = new SseLogEncoder(from);
    try {
      // The headers go at once, with the delay an EventSource waits before reconnecting.
      res.writeHead(200);
      await send('retry: 1000\n\n');
      for await (const item of tasks.followLog(id, log, from, stop.signal)) {
        if (item.kind === 'bytes') {
          await send(encoder.bytes(item.data));
        } else {
          await send(encoder.flush());
          await send(`event: end\ndata: ${JSON.stringify({ state: item.state, size: item.size })}\n\n`);
        }
      }
    } catch (err) {
      logger.warn({ err, taskId: id, log }, 'following a task log failed');
      await send(`event: error\ndata: ${JSON.stringify({ code: 100, description: 'Reading the log failed' })}\n\n`);
    } finally {
      untrack();
      res.end();
    }
  })();
}
