import type Router from '@koa/router';
import type { Knex } from 'knex';
import type { z } from 'zod';
import type { Authenticator } from '../auth/authenticator';
import type { TokenService } from '../auth/token-service';
import type { UserStore } from '../auth/user-store';
import type { Config } from '../config/load-config';
import type { Database } from '../db/database';
import type { DockerEngine } from '../docker/docker-engine';
import type { AuthRealm } from '../http/auth/auth-realm';
import type { AppState } from '../http/context';
import type { Logger } from '../logger';
import type { SecretStore } from '../secrets/secret-store';
import type { Operation } from '../runner/operation';
import type { Task } from '../tasks/task';
import type { TaskService } from '../tasks/task-service';
import type { NewTask } from '../tasks/tasks-repo';

/*
 * The extension point: an API family is a folder under src/families/ whose family.ts exports a function
 * of FamilyDeps returning a Family; src/families.ts lists them. The daemon knows nothing else of them.
 */

/** What an API family adds to the daemon: the operations its tasks run and the routes that start them. */
export interface Family {
  operations: Array<Operation<unknown>>;
  routers: Array<Router<AppState>>;
  /** How the family's paths are guarded (its prefixes, public routes and error shapes). */
  realms?: AuthRealm[];
  /** Its task types a person follows: `GET /tasks?verbose=1` (`bosh tasks --recent`) lists them. */
  verboseTaskTypes?: readonly string[];
  /** Called once the runner is up (recovery work of the family's own), and at stop. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
  /** The family's operations a scheduler may start on a cron schedule. */
  schedulable?: ScheduledOperation[];
  /**
   * Its sections of the config file: each a key and the schema (kept in the family's folder) that
   * family-config-sections.ts hands config-schema.ts, so every section is checked at boot with the rest.
   */
  config?: FamilyConfig[];
  /**
   * The migrations (names in migrations/index.ts) that create and change its tables. Every migration has
   * one owner, a family or the core (CORE_MIGRATIONS): family-contract.ts checks it.
   */
  migrations: readonly string[];
}

/** A family's section of the config file. */
export interface FamilyConfig {
  key: keyof Config;
  schema: z.ZodType;
}

/**
 * An operation the scheduler can start: the task it queues is the one the family's own API would queue.
 * The operation describes the task and the scheduler stores it, so that the tasks of many runs due on
 * one tick are stored together (one statement for their tasks, one transaction for a batch of runs).
 */
export interface ScheduledOperation {
  /** The name a job configuration gives as its `operation`. */
  name: string;
  params: z.ZodType<Record<string, unknown>>;
  /** The task a run of validated `params` queues, as `run` says; throws when it cannot be queued now. */
  plan(params: Record<string, unknown>, run: ScheduledStart): ScheduledTask | Promise<ScheduledTask>;
}

/**
 * Thrown by `plan` when a run cannot be queued for a reason its configuration's owner must fix (a resource
 * its params name is gone): the run fails with the message, and run-now answers 400 with it.
 */
export class CannotSchedule extends Error {}

/** How a scheduled operation's task is queued. */
export interface ScheduledStart {
  /** On whose behalf (the job configuration's creator, or who asked for run-now). */
  username: string;
  /** The one node whose runner may claim the task (`run_on: <node>`); null: any node's. */
  pinnedNodeId: string | null;
}

/** A scheduled run's task as its family would queue it, with the family's own rows for it. */
export interface ScheduledTask {
  task: NewTask;
  /** Stores the family's rows for the task in the transaction that stores the task (both or neither). */
  withRows?: (trx: Knex.Transaction, task: Task) => Promise<void>;
}

/** What the daemon builds once and hands to every family. */
export interface FamilyDeps {
  /** The one Docker engine client (containers of jobs, compilations, instances). */
  docker: DockerEngine;
  /** The secret store: the secrets API serves it, deploys and container jobs read it. */
  secrets: SecretStore;
  /** Every family's verbose task types (`GET /tasks?verbose=1`), known once all families are built. */
  verboseTaskTypes?: () => readonly string[];
  config: Config;
  db: Database;
  tasks: TaskService;
  users: UserStore;
  log: Logger;
  /** The daemon's password checks and bearer tokens, for families that issue tokens of their own (Keystone's). */
  auth?: Authenticator;
  tokens?: TokenService;
  /** Every family's schedulable operations, known once all families are built. */
  schedulable?: () => ScheduledOperation[];
}

/** The task types `GET /tasks?verbose=1` lists: those every family declares, each once. */
export function verboseTaskTypesOf(families: Family[]): readonly string[] {
  return [...new Set(families.flatMap((f) => f.verboseTaskTypes ?? []))];
}
