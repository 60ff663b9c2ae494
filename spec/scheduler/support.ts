import crypto from 'node:crypto';
import { z } from 'zod';
import { loadConfig } from '../../src/config/load-config';
import { CannotSchedule, Family, ScheduledOperation } from '../../src/families/family';
import type { Database } from '../../src/db/database';
import { connectDockerEngine } from '../../src/docker/docker-engine';
import { schedulerFamily } from '../../src/families/scheduler/family';
import type { FiringOptions } from '../../src/families/scheduler/firing-loop';
import { scheduledCleanup } from '../../src/families/director-tasks/scheduled-cleanup';
import { SecretStore } from '../../src/secrets/secret-store';
import type { TaskService } from '../../src/tasks/task-service';
import { silentLog } from '../support/databases';
import { users } from '../support/harness';

/** `sleep` for the scheduler: a test_sleep task of `ms`. */
export function scheduledSleep(): ScheduledOperation {
  return {
    name: 'sleep',
    params: z.object({ ms: z.number().int().min(0).max(60_000) }).strict(),
    plan: (p: { ms: number }, run) => ({
      task: {
        type: 'test_sleep',
        description: `sleep ${p.ms}`,
        username: run.username,
        pinnedNodeId: run.pinnedNodeId,
        params: p,
      },
    }),
  };
}

/** `gone` for the scheduler: its params name a resource that no longer exists, so it never queues a task. */
export function scheduledGone(): ScheduledOperation {
  return {
    name: 'gone',
    params: z.object({ what: z.string() }).strict(),
    plan: (p: { what: string }) => {
      throw new CannotSchedule(`no ${p.what} any more`);
    },
  };
}

/**
 * A scheduler on `db` as node `nodeId`, with a short poll; its loop runs once `start()` is called. It
 * schedules `cleanup`, `sleep` and `gone`, or the operations given, with the options given.
 */
export function testScheduler(
  db: Database,
  tasks: TaskService,
  nodeId = 'node-a',
  schedulable?: ScheduledOperation[],
  opts: Partial<FiringOptions> = {},
): Family {
  return schedulerFamily(
    {
      config: loadConfig({ env: { BOSUN_NODE_ID: nodeId } }),
      docker: connectDockerEngine(),
      secrets: new SecretStore(db.knex, crypto.randomBytes(32)),
      db,
      tasks,
      users,
      log: silentLog,
      schedulable: () => schedulable ?? [scheduledCleanup(), scheduledSleep(), scheduledGone()],
    },
    { pollMs: 300, orphanAfterMs: 1_000, ...opts },
  );
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
