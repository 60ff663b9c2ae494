import crypto from 'node:crypto';
import type { Task } from '../../tasks/task';
import type { TaskService } from '../../tasks/task-service';
import type { BuildDataRepo } from './build-data-repo';
import { presentBuildData } from './build-data-repo';
import { DesignStore } from './design-store';
import { badRequest } from './drydock-errors';
import { DRYDOCK_TASK_TYPE } from './drydock-operation';
import { DrydockTask, NODE_ACTIONS, newResult, TASK_ACTIONS, TaskAction } from './drydock-task';
import { presentTask } from './drydock-task-presenter';
import type { DrydockTasksRepo, TaskView } from './drydock-tasks-repo';
import { drydockTime } from './drydock-time';
import { NodeFilterSet, nodeFilterSetSchema, selectNodes } from './node-filter';

export interface ViewOptions {
  builddata: boolean;
  subtaskErrors: boolean;
  layers: number;
}

/** Creating, reading, terminating and purging Drydock tasks; each runs as a Director task. */
export class DrydockTaskService {
  constructor(
    private readonly drydockTasks: DrydockTasksRepo,
    private readonly designs: DesignStore,
    private readonly tasks: TaskService,
    private readonly buildData: BuildDataRepo,
  ) {}

  /**
   * Checks the request as Drydock does (action, then the required fields), resolves the design and the
   * node filter against it (a filter selecting no node is refused), then stores the Drydock task with
   * its Director task in one transaction: both or neither.
   */
  async create(body: unknown, username: string): Promise<{ task: TaskView; director: Task }> {
    const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
    const action = b.action;
    if (typeof action !== 'string' || !(TASK_ACTIONS as readonly string[]).includes(action))
      throw badRequest(
        `Unsupported action ${action === undefined || action === null ? 'None' : typeof action === 'string' ? action : JSON.stringify(action)}`,
      );
    if (b.design_ref === undefined || b.design_ref === null)
      throw badRequest('Task creation requires fields design_ref, action');
    const design = await this.designs.resolve(b.design_ref);
    let nodeFilter: NodeFilterSet | null = null;
    if (b.node_filter !== undefined && b.node_filter !== null) {
      const parsed = nodeFilterSetSchema.safeParse(b.node_filter);
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw badRequest(
          `Invalid node_filter, must be a dictionary with keys 'filter_set_type' and 'filter_set': ${i.path.join('.') || 'node_filter'}: ${i.message}`,
        );
      }
      nodeFilter = parsed.data;
    }
    if (action !== 'validate_design') {
      const site = this.designs.effective(design);
      if (NODE_ACTIONS.includes(action as TaskAction)) {
        const chosen = selectNodes(site.nodes, nodeFilter, new Map(site.design.racks.map((r) => [r.name, r.labels])));
        if (!chosen.length) throw badRequest('The node_filter selects no node of the design');
      }
    }
    const task: DrydockTask = {
      taskId: crypto.randomUUID(),
      directorTaskId: null,
      parentTaskId: null,
      action,
      nodeName: null,
      designRef: typeof b.design_ref === 'string' ? b.design_ref : JSON.stringify(b.design_ref),
      designId: design.id,
      designVersion: design.version,
      nodeFilter,
      status: 'queued',
      result: newResult(),
      createdBy: username,
      createdAt: new Date(),
      updatedAt: new Date(),
      terminate: false,
      terminatedAt: null,
      terminatedBy: null,
      retry: 0,
    };
    const director = await this.tasks.enqueue(
      {
        type: DRYDOCK_TASK_TYPE,
        description: `drydock ${action} ${task.taskId}`,
        username,
        params: { task_id: task.taskId },
      },
      (trx, t) => this.drydockTasks.insert({ ...task, directorTaskId: t.id }, trx),
    );
    return { task: (await this.drydockTasks.find(task.taskId))!, director };
  }

  async present(views: TaskView[], builddata = false): Promise<Array<Record<string, unknown>>> {
    const ids = views.map((v) => v.taskId);
    const [subtasks, messages] = await Promise.all([
      this.drydockTasks.subtaskIds(ids),
      this.drydockTasks.messages(ids),
    ]);
    const out = views.map((v) => presentTask(v, subtasks.get(v.taskId) ?? [], messages.get(v.taskId) ?? []));
    if (builddata) {
      const records = await this.buildData.forTasks(ids);
      for (const body of out)
        body.build_data = records.filter((r) => r.taskId === body.task_id).map((r) => presentBuildData(r, drydockTime));
    }
    return out;
  }

  async list(): Promise<Array<Record<string, unknown>>> {
    return this.present(await this.drydockTasks.list());
  }

  /** Drydock's GET /tasks/{id}: the task, or with `layers` a map of task id to task over that many layers, and subtask errors. */
  async view(taskId: string, opts: ViewOptions): Promise<Record<string, unknown> | null> {
    const first = await this.drydockTasks.find(taskId);
    if (!first) return null;
    const [root] = await this.present([first], opts.builddata);
    if (!opts.layers && !opts.subtaskErrors) return root;
    const layered: Record<string, unknown> = { init_task_id: taskId, [taskId]: root };
    const errors: Record<string, unknown> = {};
    let queued = root.subtask_id_list as string[];
    let layer = 1;
    while (queued.length && (layer < opts.layers || opts.layers === -1 || opts.subtaskErrors)) {
      const views = await this.present(await this.drydockTasks.findMany(queued), opts.builddata);
      const byId = new Map(views.map((v) => [v.task_id as string, v]));
      const nextLayer: string[] = [];
      for (const id of queued) {
        const t = byId.get(id);
        if (!t) continue;
        if (layer < opts.layers || opts.layers === -1) layered[id] = t;
        nextLayer.push(...(t.subtask_id_list as string[]));
        const result = t.result as { details: { errorCount: number } };
        if (opts.subtaskErrors && result.details.errorCount > 0) errors[id] = { ...result, task_id: id };
      }
      queued = nextLayer;
      layer++;
    }
    const body = opts.layers ? layered : root;
    if (opts.subtaskErrors) body.subtask_errors = errors;
    return body;
  }

  /**
   * Terminates a task (what Drydock has no API for): a queued one at once, a running one through its
   * Director task's cancel, which stops its subtasks from starting and ends it `terminated`.
   */
  async terminate(taskId: string, by: string): Promise<TaskView | null> {
    const t = await this.drydockTasks.find(taskId);
    if (!t || t.parentTaskId) return t;
    const director = t.directorTaskId === null ? null : await this.tasks.get(t.directorTaskId);
    const queued = director?.state === 'queued';
    if (await this.drydockTasks.requestTermination(taskId, by, queued ? 'terminated' : 'terminating')) {
      if (director) await this.tasks.cancel(director);
    }
    return this.drydockTasks.find(taskId);
  }

  /** `DELETE /tasks?days=N`: finished tasks created more than N days ago go, with their Director tasks. */
  async purge(days: number): Promise<number> {
    let n = 0;
    for (const t of await this.drydockTasks.finishedBefore(new Date(Date.now() - days * 86_400_000))) {
      if (t.directorTaskId !== null && !(await this.tasks.deleteUnlessRunning(t.directorTaskId))) continue;
      await this.drydockTasks.delete(t.taskId);
      n++;
    }
    return n;
  }
}
