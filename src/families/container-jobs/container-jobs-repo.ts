import type { Knex } from 'knex';
import { Task } from '../../tasks/task';
import { taskFromRow } from '../../tasks/tasks-repo';
import type { RawRows } from '../../db/row-values';

/** A container job with its task. */
export interface ContainerJob {
  id: string;
  taskId: number;
  qname: string | null;
  containerImage: string;
  tty: boolean;
  containerId: string | null;
  returnCode: number | null;
  submitted: Date;
  task: Task;
}

type Row = Record<string, unknown>;

function jobFromRow(r: Row): ContainerJob {
  return {
    id: String(r.job_id),
    taskId: Number(r.task_id),
    qname: (r.qname as string | null) ?? null,
    containerImage: String(r.container_image),
    tty: Boolean(r.tty),
    containerId: (r.container_id as string | null) ?? null,
    returnCode: r.return_code == null ? null : Number(r.return_code),
    submitted: r.submitted instanceof Date ? r.submitted : new Date(String(r.submitted)),
    task: taskFromRow({ ...r, id: r.task_id }),
  };
}

const SELECT_JOB = `select j.id as job_id, j.task_id, j.qname, j.container_image, j.tty, j.container_id, j.return_code,
                           j.submitted, t.*
                      from container_jobs j join tasks t on t.id = j.task_id`;

/** All SQL on `container_jobs`. */
export class ContainerJobsRepo {
  constructor(private readonly knex: Knex) {}

  async insert(
    db: Knex | Knex.Transaction,
    job: { id: string; taskId: number; qname: string | null; image: string; tty: boolean },
  ): Promise<void> {
    await db('container_jobs').insert({
      id: job.id,
      task_id: job.taskId,
      qname: job.qname,
      container_image: job.image,
      tty: job.tty,
    });
  }

  async find(id: string): Promise<ContainerJob | null> {
    const res = await this.knex.raw<RawRows>(`${SELECT_JOB} where j.id = ?`, [id]);
    return res.rows.length ? jobFromRow(res.rows[0]) : null;
  }

  async findByTask(taskId: number): Promise<ContainerJob | null> {
    const res = await this.knex.raw<RawRows>(`${SELECT_JOB} where j.task_id = ?`, [taskId]);
    return res.rows.length ? jobFromRow(res.rows[0]) : null;
  }

  /** Newest first. */
  async list(skip: number, limit: number): Promise<{ jobs: ContainerJob[]; total: number }> {
    const res = await this.knex.raw<RawRows>(
      `${SELECT_JOB} order by j.submitted desc, j.task_id desc offset ? limit ?`,
      [skip, limit],
    );
    const count = await this.knex('container_jobs').count({ n: '*' });
    return { jobs: res.rows.map(jobFromRow), total: Number(count[0].n) };
  }

  async recordContainer(taskId: number, containerId: string): Promise<void> {
    await this.knex('container_jobs').where({ task_id: taskId }).update({ container_id: containerId });
  }

  async recordExit(taskId: number, returnCode: number): Promise<void> {
    await this.knex('container_jobs').where({ task_id: taskId }).update({ return_code: returnCode });
  }
}
