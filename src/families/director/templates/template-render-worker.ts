/**
 * A renderer worker thread (started by template-renderer-pool.ts): renders one instance's templates per
 * message. Before each template it writes which one into the shared `progress` cells, so that the pool,
 * when it stops a render that overran its deadline or its memory, can name the template it stopped.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InstanceTemplates, renderJobTemplates } from './instance-templates';

const port = parentPort!;
const progress = new Int32Array((workerData as { progress: SharedArrayBuffer }).progress);

port.on('message', (request: InstanceTemplates) => {
  const outcomes = renderJobTemplates(request.jobs, (job, template) => {
    Atomics.store(progress, 0, job);
    Atomics.store(progress, 1, template);
  });
  port.postMessage({ outcomes });
});
port.postMessage({ ready: true });
