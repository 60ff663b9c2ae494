import type { SecretRedactor } from '../../../secrets/secret-redactor';
import type { Task } from '../../../tasks/task';
import type { DirectorEvent, EventsRepo } from './events-repo';

export interface EventInput {
  action: string;
  objectType: string;
  objectName?: string | null;
  task?: Task;
  /** Who acted, when no task of theirs did (the health monitor); otherwise the task's user. */
  user?: string;
  deployment?: string | null;
  instance?: string | null;
  parent?: DirectorEvent | null;
  error?: string | null;
  context?: Record<string, unknown>;
  /** The recording task's secrets, redacted from the error and context (`GET /events` is read-only scope). */
  redactor?: SecretRedactor;
}

/** Records what the Director records: who did what to which object, from which task. */
export class EventRecorder {
  constructor(private readonly repo: EventsRepo) {}

  record(e: EventInput): Promise<DirectorEvent> {
    return this.repo.insert({
      parentId: e.parent?.id ?? null,
      user: e.user ?? e.task?.username ?? null,
      action: e.action,
      objectType: e.objectType,
      objectName: e.objectName ?? null,
      task: e.task ? String(e.task.id) : null,
      deployment: e.deployment ?? e.task?.deploymentName ?? null,
      instance: e.instance ?? null,
      error: e.error == null ? null : e.redactor ? e.redactor.text(e.error) : e.error,
      context: e.redactor ? e.redactor.value(e.context ?? {}) : (e.context ?? {}),
    });
  }
}
