import crypto from 'node:crypto';
import os from 'node:os';
import { ConfigError } from '../config/load-config';
import type { Database } from '../db/database';
import type { Logger } from '../logger';
import { isProcessAlive } from '../process-alive';
import type { RawRows } from '../db/row-values';

interface NodeRow {
  instance_token: string;
  host: string;
  pid: number;
  age_seconds: number | string;
}

/**
 * This process's hold on its node id. A node removes every container labelled with its id, and ends
 * the tasks its id was running, when it starts: two live processes with one id would destroy each
 * other's work. So a starting node takes the id in `nodes` only when no other process has said it was
 * alive within `staleSeconds` (the window in which tasks time out), and keeps saying so.
 */
export class NodeLease {
  private timer: NodeJS.Timeout | null = null;
  /** Acquiring the lease says so first. */
  private lastHeartbeat = Date.now();

  private constructor(
    private readonly db: Database,
    readonly nodeId: string,
    private readonly token: string,
    private readonly log: Logger,
  ) {}

  /** Takes `nodeId`, or throws a ConfigError naming the live process that holds it. */
  static async acquire(db: Database, nodeId: string, staleSeconds: number, log: Logger): Promise<NodeLease> {
    const token = crypto.randomUUID();
    const host = os.hostname();
    await db.knex.transaction(async (trx) => {
      // Inserted when new; locked either way, so two nodes starting at once cannot both take the id.
      await trx.raw<RawRows>(
        `insert into nodes (node_id, instance_token, host, pid, started_at, last_seen_at) values (?, ?, ?, ?, now(), now())
         on conflict (node_id) do nothing`,
        [nodeId, token, host, process.pid],
      );
      const { rows } = await trx.raw<RawRows<NodeRow>>(
        `select instance_token, host, pid, extract(epoch from now() - last_seen_at) as age_seconds from nodes where node_id = ? for update`,
        [nodeId],
      );
      const held = rows[0];
      if (held.instance_token === token) return;
      const age = Number(held.age_seconds);
      // A crashed node restarted on its host at once: its last heartbeat is fresh, but its process is gone.
      const holderGone = held.host === host && !isProcessAlive(held.pid);
      if (age < staleSeconds && !holderGone) {
        throw new ConfigError([
          `node_id: '${nodeId}' is in use by a live node (host ${held.host}, pid ${held.pid}, last seen ${age.toFixed(1)} s ago); ` +
            `two nodes with one id remove each other's containers and tasks: give this node another node_id (BOSUN_NODE_ID), or stop the other`,
        ]);
      }
      await trx.raw<RawRows>(
        `update nodes set instance_token = ?, host = ?, pid = ?, started_at = now(), last_seen_at = now() where node_id = ?`,
        [token, host, process.pid, nodeId],
      );
    });
    return new NodeLease(db, nodeId, token, log);
  }

  /** When this node last said it was alive (ms since the epoch, this process's clock). */
  get lastHeartbeatAt(): number {
    return this.lastHeartbeat;
  }

  /** Says this node is alive every `intervalMs` until released. */
  keepAlive(intervalMs: number): void {
    this.timer = setInterval(() => void this.heartbeat(), intervalMs);
  }

  async heartbeat(): Promise<void> {
    try {
      const updated = await this.db
        .knex('nodes')
        .where({ node_id: this.nodeId, instance_token: this.token })
        .update({ last_seen_at: this.db.knex.fn.now() });
      if (updated > 0) this.lastHeartbeat = Date.now();
      if (updated === 0)
        this.log.error(
          { node: this.nodeId },
          'another process has taken this node id (this node had stopped saying it was alive)',
        );
    } catch (err) {
      this.log.error({ err }, 'node heartbeat failed');
    }
  }

  /** Gives the id up, so that it can be taken at once (a clean restart). */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.db.knex('nodes').where({ node_id: this.nodeId, instance_token: this.token }).delete();
  }
}
