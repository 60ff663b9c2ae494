/**
 * bosun's real command line with one more family: `POST /test/sleep?ms=N` starts a task that writes a
 * debug line every 100 ms until N ms have passed. The daemon process specs use it as a task that
 * takes as long as they need.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { runCli } from '../../src/cli';
import { BOSUN_FAMILIES } from '../../src/families';
import type { AppContext, AppState } from '../../src/http/context';
import { requireAdmin } from '../../src/http/director/director-auth';
import { taskStarter } from '../../src/http/start-task';
import { defineOperation } from '../../src/runner/operation';
import { taskKind } from '../../src/tasks/task-kind';
import type { Family, FamilyDeps, ScheduledStart } from '../../src/families/family';

const tickingTask = taskKind('test_ticking', z.object({ ms: z.number() }));

const ticking = defineOperation({
  ...tickingTask,
  async run({ ms }, ctx) {
    const stage = ctx.beginStage('Ticking', 1);
    await stage.step(`${ms} ms`, async () => {
      const until = Date.now() + ms;
      for (let i = 0; Date.now() < until; i++) {
        ctx.checkpoint();
        await ctx.debug(`tick ${i}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    return `ticked for ${ms} ms`;
  },
});

function testFamily({ tasks }: FamilyDeps): Family {
  const router = new Router<AppState>();
  const startTask = taskStarter(tasks);
  router.post('/test/sleep', requireAdmin, async (ctx: AppContext) => {
    await startTask(ctx, tickingTask, { ms: Number(ctx.query.ms) }, { description: 'tick' });
  });
  const schedulable = {
    name: 'test_ticking',
    params: z.object({ ms: z.number().int().min(0).max(60_000) }).strict(),
    plan: (p: { ms: number }, run: ScheduledStart) => ({
      task: {
        type: 'test_ticking',
        description: 'tick',
        username: run.username,
        pinnedNodeId: run.pinnedNodeId,
        params: p,
      },
    }),
  };
  return { operations: [ticking], routers: [router], schedulable: [schedulable], migrations: [] };
}

runCli(process.argv.slice(2), [...BOSUN_FAMILIES, testFamily]);
