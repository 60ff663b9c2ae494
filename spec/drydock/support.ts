import Docker from 'dockerode';
import { asAdmin, asReader } from '../support/auth';
import { waitForTask } from '../support/runners';
import { loadConfig } from '../../src/config/load-config';
import { drydockFamily } from '../../src/families/drydock/family';
import { NODE_LABELS } from '../../src/families/drydock/node-containers';
import type { Family } from '../../src/families/family';
import type { Harness } from '../support/harness';
import { familyDeps } from '../support/harness';

export const IMAGE = 'bosun-test/busybox:latest';

/** The Drydock family on the test harness (node-a, subtasks 4 wide). */
export function testDrydock(h: Harness, nodeId = 'node-a'): Family {
  const config = loadConfig({ env: { BOSUN_NODE_ID: nodeId } });
  return drydockFamily(
    familyDeps(h, {
      config: { ...config, drydock: { ...config.drydock, node_parallelism: 4, unit_timeout_seconds: 20 } },
      auth: h.auth,
      tokens: h.tokens,
    }),
  );
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A site: a profile chain giving the test image, `count` nodes on two racks, and a boot action with a file and a unit. */
export function siteYaml(count = 2, extra = ''): string {
  const nodes = Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(2, '0');
    return `---
schema: drydock/BaremetalNode/v1
metadata: { schema: metadata/Document/v1, name: node${n} }
data:
  host_profile: worker
  addressing:
    - { network: mgmt, address: 172.16.1.${10 + i} }
  metadata:
    rack: rack${(i % 2) + 1}
    tags: [${i === 0 ? 'first' : 'other'}]
    owner_data: { role: ${i === 0 ? 'control' : 'compute'} }
`;
  });
  return `---
schema: drydock/Region/v1
metadata: { schema: metadata/Document/v1, name: site }
data: {}
---
schema: drydock/Network/v1
metadata: { schema: metadata/Document/v1, name: mgmt }
data: { cidr: 172.16.1.0/24, dns: { domain: mgmt.example.com } }
---
schema: drydock/NetworkLink/v1
metadata: { schema: metadata/Document/v1, name: gp }
data: { allowed_networks: [mgmt] }
---
schema: drydock/HardwareProfile/v1
metadata: { schema: metadata/Document/v1, name: generic }
data: { vendor: any }
---
schema: drydock/HostProfile/v1
metadata: { schema: metadata/Document/v1, name: defaults }
data:
  hardware_profile: generic
  platform: { image: '${IMAGE}' }
  metadata: { tags: [base] }
---
schema: drydock/HostProfile/v1
metadata: { schema: metadata/Document/v1, name: worker }
data:
  host_profile: defaults
  primary_network: mgmt
---
schema: drydock/BootAction/v1
metadata: { schema: metadata/Document/v1, name: hello }
data:
  signaling: true
  assets:
    - path: /var/tmp/hello.sh
      type: file
      permissions: '750'
      data: ${b64('#!/bin/sh\necho "hello from {{ node.hostname }}"\necho \'BOOTACTION {"details":[{"message":"said hello","error":false}]}\'\n')}
      data_pipeline: [base64_decode, utf8_decode, template]
    - path: /etc/systemd/system/hello.service
      type: unit
      data: "[Unit]\\nDescription=hello\\n[Service]\\nType=oneshot\\nExecStart=/bin/sh /var/tmp/hello.sh\\n"
${nodes.join('')}${extra}`;
}

export const docker = new Docker();

/** Removes every Drydock node container and network (of any test run). */
export async function removeNodes(this: Mocha.Context | void): Promise<void> {
  // Removing containers waits on the engine, which a loaded machine makes slow.
  this?.timeout?.(120_000);
  for (const c of await docker.listContainers({ all: true, filters: { label: [NODE_LABELS.node] } })) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  }
  for (const n of await docker.listNetworks({ filters: { label: ['bosun.drydock.network'] } })) {
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined);
  }
}

/** Stores a design; its ref. */
export async function storeDesign(h: Harness, yaml = siteYaml()): Promise<string> {
  const res = await h.api
    .post('/api/v1.0/designs')
    .set('Authorization', asAdmin)
    .set('Content-Type', 'application/x-yaml')
    .send(yaml)
    .expect(201);
  return res.body.design_ref;
}

export async function runTask(h: Harness, body: Record<string, unknown>) {
  const res = await h.api.post('/api/v1.0/tasks').set('Authorization', asAdmin).send(body).expect(201);
  await waitForTask(h.tasks, res.body.bosun_task_id, undefined, 60_000);
  return (await h.api.get(`/api/v1.0/tasks/${res.body.task_id}`).set('Authorization', asReader).expect(200)).body;
}
