import { z } from 'zod';
import type { ScheduledOperation } from '../../family';
import { deploymentLock } from '../director-services';
import { CHANGE_STATE_TYPE } from './change-instance-state';
import { RUN_ERRAND_TYPE } from './run-errand';

const deployment = z.string().min(1).max(256);

/**
 * `run_errand` and `recreate_deployment` for the scheduler: the tasks that `POST
 * /deployments/:name/errands/:errand/runs` and `PUT /deployments/:name/jobs/*?state=recreate` queue, in
 * the deployment's serial queue. A deployment missing at run time fails the run's task, as it would the CLI's.
 */
export function scheduledDeploymentOperations(): ScheduledOperation[] {
  return [
    {
      name: 'run_errand',
      params: z
        .object({
          deployment,
          errand: z.string().min(1).max(256),
          keep_alive: z.boolean().optional(),
          instances: z.array(z.string().min(1)).max(256).optional(),
        })
        .strict(),
      plan: (p: { deployment: string; errand: string; keep_alive?: boolean; instances?: string[] }, run) => ({
        task: {
          type: RUN_ERRAND_TYPE,
          description: `run errand ${p.errand} from deployment ${p.deployment}`,
          deploymentName: p.deployment,
          username: run.username,
          pinnedNodeId: run.pinnedNodeId,
          queueName: deploymentLock(p.deployment),
          params: { errand: p.errand, keep_alive: p.keep_alive ?? false, instances: p.instances ?? [] },
        },
      }),
    },
    {
      name: 'recreate_deployment',
      params: z.object({ deployment }).strict(),
      plan: (p: { deployment: string }, run) => ({
        task: {
          type: CHANGE_STATE_TYPE,
          description: 'recreate instances',
          deploymentName: p.deployment,
          username: run.username,
          pinnedNodeId: run.pinnedNodeId,
          queueName: deploymentLock(p.deployment),
          params: { state: 'recreate', group: null, index_or_id: null },
        },
      }),
    },
  ];
}
