import crypto from 'node:crypto';
import { DirectorError } from '../../../errors/director-error';
import type { ContainerLimits } from '../../../docker/container-limits';
import type { CloudConfig, CloudNetwork } from '../configs/cloud-config';
import { ipText } from '../configs/cloud-config';
import type { Doc } from '../configs/config-documents';
import { expandIps, IpFormatError } from '../configs/ip-ranges';
import type { InstanceGroupSpec } from './deployment-manifest';

export interface GroupNetwork {
  name: string;
  type: CloudNetwork['type'];
  /** The group's static IPs on this network, one per instance in index order (empty: dynamic addresses). */
  staticIps: number[];
  /** `dns`, `gateway`: what this network is the default for. */
  default: string[];
}

/** Where and on what a group's instances run, from the cloud config: what makes them out of date when it changes. */
export interface GroupPlacement {
  vmType: string | null;
  /** The vm type's cloud_properties with its vm extensions' over them, in order. */
  cloudProperties: Doc;
  azs: string[];
  networks: GroupNetwork[];
  /** Container limits asked for by `cpus` and `memory` (MB). */
  limits: Partial<ContainerLimits>;
  /** `ephemeral_disk` (MB), recorded on the container; Docker on this storage driver cannot enforce it. */
  ephemeralDiskMb: number | null;
  /**
   * Changes when what the instances run on changes: cloud properties, limits, networks (not the vm
   * type's name). Empty without a cloud config, so instances deployed without one stay as they are.
   */
  fingerprint: string;
}

const NO_PLACEMENT: GroupPlacement = {
  vmType: null,
  cloudProperties: {},
  azs: [],
  networks: [],
  limits: {},
  ephemeralDiskMb: null,
  fingerprint: '',
};

const fail = (code: number, message: string) => new DirectorError(code, 400, message);

/** What makes one instance out of date: its group's placement and its own az. */
export function instanceFingerprint(p: GroupPlacement, index: number): string {
  return p.fingerprint && `${p.fingerprint}:${azOf(p, index) ?? ''}`;
}

/** The az of a group's instance: its azs in turn, by index, as the Director balances instances over them. */
export function azOf(p: GroupPlacement, index: number): string | null {
  return p.azs.length ? p.azs[index % p.azs.length] : null;
}

function vmTypeOf(group: InstanceGroupSpec, cloud: CloudConfig): { name: string | null; properties: Doc } {
  const g = group as InstanceGroupSpec & { vm_resources?: unknown; resource_pool?: unknown };
  if (g.resource_pool != null)
    throw fail(140025, "Instance groups no longer support resource_pool, please use 'vm_type' or 'vm_resources' keys");
  const count = [g.vm_type, g.vm_resources].filter((x) => x != null).length;
  if (count === 0)
    throw fail(140022, `Instance group '${group.name}' is missing either 'vm_type' or 'vm_resources' section.`);
  if (count > 1)
    throw fail(140022, `Instance group '${group.name}' can only specify 'vm_type' or 'vm_resources' keys.`);
  if (g.vm_resources != null) {
    const r = g.vm_resources as { cpu?: unknown; ram?: unknown; ephemeral_disk_size?: unknown };
    return { name: null, properties: { cpus: r.cpu, memory: r.ram, ephemeral_disk: r.ephemeral_disk_size } };
  }
  const vmType = cloud.vmTypes.get(g.vm_type!);
  if (!vmType) throw fail(140004, `Instance group '${group.name}' references an unknown vm type '${g.vm_type}'`);
  return { name: vmType.name, properties: vmType.cloudProperties };
}

function azsOf(group: InstanceGroupSpec, cloud: CloudConfig): string[] {
  if (group.azs == null) return [];
  if (!group.azs.length) throw fail(140017, `Instance group '${group.name}' has empty availability zones`);
  for (const az of group.azs as unknown[]) {
    if (typeof az !== 'string')
      throw fail(
        140016,
        `Instance group '${group.name}' has invalid availability zone '${String(az)}', string expected`,
      );
    if (!cloud.azs.has(az))
      throw fail(140018, `Instance group '${group.name}' references unknown availability zone '${az}'`);
  }
  return group.azs;
}

function networksOf(group: InstanceGroupSpec, cloud: CloudConfig, azs: string[]): GroupNetwork[] {
  const specs = group.networks ?? [];
  if (!specs.length) throw fail(140009, `Instance group '${group.name}' must specify at least one network`);
  const out = specs.map((spec): GroupNetwork => {
    const network = cloud.networks.get(spec.name);
    if (!network) throw fail(150001, `Instance group '${group.name}' references an unknown network '${spec.name}'`);
    let staticIps: number[];
    try {
      staticIps = expandIps((spec as { static_ips?: unknown }).static_ips);
    } catch (err) {
      if (err instanceof IpFormatError)
        throw fail(160010, `Instance group '${group.name}' has invalid static_ips: ${err.message}`);
      throw err;
    }
    const twice = staticIps.find((ip, i) => staticIps.indexOf(ip) !== i);
    if (twice !== undefined)
      throw fail(150009, `Instance group '${group.name}' specifies static IP '${ipText(twice)}' more than once`);
    if (staticIps.length && network.type === 'dynamic')
      throw fail(
        150008,
        `Instance group '${group.name}' using dynamic network '${network.name}' cannot specify static IP(s)`,
      );
    if (staticIps.length && staticIps.length !== group.instances)
      throw fail(
        150002,
        `Instance group '${group.name}' has ${group.instances} instances but was allocated ${staticIps.length} static IPs in network '${network.name}'`,
      );
    for (const ip of staticIps) {
      const subnet = network.subnets.find((s) => s.range && ip >= s.range.first && ip <= s.range.last);
      if (!subnet)
        throw fail(
          150002,
          `Instance group '${group.name}' with network '${network.name}' declares static ip '${ipText(ip)}', which belongs to no subnet`,
        );
      if (!subnet.static.has(ip))
        throw fail(130009, `IP '${ipText(ip)}' on network '${network.name}' does not belong to static pool`);
    }
    if (azs.length && network.subnets.some((s) => s.azs.length)) {
      const covered = azs.every((az) => network.subnets.some((s) => s.azs.includes(az)));
      if (!covered)
        throw fail(
          150006,
          `Instance group '${group.name}' must specify availability zone that matches availability zones of network '${network.name}'`,
        );
    }
    const defaults = (spec as { default?: unknown }).default;
    return {
      name: network.name,
      type: network.type,
      staticIps,
      default: Array.isArray(defaults) ? defaults.map(String) : [],
    };
  });
  if (out.length === 1) out[0].default = ['dns', 'gateway'];
  for (const property of ['dns', 'gateway']) {
    const holders = out.filter((n) => n.default.includes(property));
    if (holders.length > 1)
      throw fail(
        150004,
        `Instance group '${group.name}' specified more than one network to contain default. '${property}' has default networks: ${holders.map((n) => `'${n.name}'`).join(', ')}.`,
      );
  }
  const missing = ['dns', 'gateway'].filter((p) => !out.some((n) => n.default.includes(p)));
  if (missing.length)
    throw fail(
      150005,
      `Instance group '${group.name}' must specify which network is default for ${missing.join(', ')}, since it has more than one network configured`,
    );
  return out;
}

/** A positive number from cloud_properties (`cpus: 2`, `memory: 1024`), or null when absent. */
function positive(props: Doc, key: string, group: string): number | null {
  const v = props[key];
  if (v == null) return null;
  if (typeof v !== 'number' || !(v > 0))
    throw fail(
      140022,
      `Instance group '${group}' cloud_properties '${key}' must be a positive number, got ${JSON.stringify(v)}`,
    );
  return v;
}

/**
 * Resolves a group's `vm_type` (or `vm_resources`), `vm_extensions`, `azs` and `networks` against the
 * cloud config, with the Director's errors for unknown names. `cpus` and `memory` (MB) of the cloud
 * properties become the container's limits, each at most bosun's `docker.max_limits`.
 */
export function placeGroup(group: InstanceGroupSpec, cloud: CloudConfig, maxima: ContainerLimits): GroupPlacement {
  if (cloud.empty) return NO_PLACEMENT;
  const vm = vmTypeOf(group, cloud);
  let cloudProperties = { ...vm.properties };
  const extensions = (group as { vm_extensions?: unknown }).vm_extensions;
  for (const name of Array.isArray(extensions) ? (extensions as unknown[]) : []) {
    const ext = cloud.vmExtensions.get(String(name));
    if (!ext)
      throw new DirectorError(100, 400, `The vm_extension '${String(name)}' has not been configured in cloud-config.`);
    cloudProperties = { ...cloudProperties, ...ext.cloudProperties };
  }
  const azs = azsOf(group, cloud);
  const networks = networksOf(group, cloud, azs);
  const cpus = positive(cloudProperties, 'cpus', group.name);
  const memoryMb = positive(cloudProperties, 'memory', group.name);
  const limits: Partial<ContainerLimits> = {};
  if (cpus !== null) {
    if (cpus > maxima.cpus)
      throw fail(
        140022,
        `Instance group '${group.name}' asks for ${cpus} cpus, above bosun's maximum of ${maxima.cpus}`,
      );
    limits.cpus = cpus;
  }
  if (memoryMb !== null) {
    const bytes = Math.round(memoryMb * 1024 * 1024);
    if (bytes > maxima.memoryBytes)
      throw fail(
        140022,
        `Instance group '${group.name}' asks for ${memoryMb} MB of memory, above bosun's maximum of ${Math.floor(maxima.memoryBytes / 1024 / 1024)} MB`,
      );
    if (bytes < 6 * 1024 * 1024)
      throw fail(
        140022,
        `Instance group '${group.name}' asks for ${memoryMb} MB of memory; Docker needs at least 6 MB`,
      );
    limits.memoryBytes = bytes;
  }
  const ephemeralDiskMb = positive(cloudProperties, 'ephemeral_disk', group.name);
  const placement = { cloudProperties, networks, limits, ephemeralDiskMb };
  const fingerprint = crypto.createHash('sha256').update(JSON.stringify(placement)).digest('hex');
  return { ...placement, vmType: vm.name, azs, fingerprint };
}
