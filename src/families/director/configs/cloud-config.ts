import { DirectorError } from '../../../errors/director-error';
import type { Doc } from './config-documents';
import { Cidr, IpFormatError, ipToInt, parseCidr, parseIpList } from './ip-ranges';

export interface NamedSpec {
  name: string;
  cloudProperties: Doc;
}

export interface Subnet {
  range: Cidr | null;
  gateway: number | null;
  /** Addresses no instance gets: the network id, broadcast, gateway and `reserved`. */
  reserved: Set<number>;
  static: Set<number>;
  azs: string[];
  dns: string[];
  cloudProperties: Doc;
}

export interface CloudNetwork {
  name: string;
  type: 'manual' | 'dynamic' | 'vip';
  subnets: Subnet[];
}

export interface CompilationSpec {
  workers: number;
  network: string;
  az: string | null;
  vmType: string | null;
  cloudProperties: Doc;
}

/** A merged cloud config, checked as the Director checks it when a deploy uses it. */
export interface CloudConfig {
  /** No cloud config at all: instance groups need no `vm_type`, `azs` or `networks`. */
  empty: boolean;
  azs: Map<string, NamedSpec>;
  vmTypes: Map<string, NamedSpec>;
  vmExtensions: Map<string, NamedSpec>;
  diskTypes: Map<string, NamedSpec & { diskSize: number }>;
  networks: Map<string, CloudNetwork>;
  compilation: CompilationSpec | null;
}

export const EMPTY_CLOUD_CONFIG: CloudConfig = {
  empty: true,
  azs: new Map(),
  vmTypes: new Map(),
  vmExtensions: new Map(),
  diskTypes: new Map(),
  networks: new Map(),
  compilation: null,
};

const fail = (code: number, message: string) => new DirectorError(code, 400, message);
const inspect = (v: unknown) => JSON.stringify(v);

type Kind = 'String' | 'Integer' | 'Hash' | 'Array';
const isKind = (v: unknown, kind: Kind) =>
  kind === 'String'
    ? typeof v === 'string'
    : kind === 'Integer'
      ? Number.isInteger(v)
      : kind === 'Array'
        ? Array.isArray(v)
        : !!v && typeof v === 'object' && !Array.isArray(v);

/** The Director's `safe_property`: a missing required key is 40001, a value of the wrong type 40000. */
function prop<T>(obj: Doc, key: string, kind: Kind, opts: { optional?: boolean; default?: T } = {}): T {
  const v = obj[key];
  if (v == null) {
    if (opts.default !== undefined) return opts.default;
    if (opts.optional) return undefined as T;
    throw fail(40001, `Required property '${key}' was not specified in object (${inspect(obj)})`);
  }
  if (!isKind(v, kind))
    throw fail(40000, `Property '${key}' value (${inspect(v)}) did not match the required type '${kind}'`);
  return v as T;
}

const mappings = (doc: Doc, key: string): Doc[] =>
  prop<unknown[]>(doc, key, 'Array', { default: [] }).map((x) => {
    if (!isKind(x, 'Hash')) throw fail(40000, `Object (${inspect(x)}) did not match the required type 'Hash'`);
    return x as Doc;
  });

function named(doc: Doc, key: string, duplicate: (name: string) => DirectorError): Map<string, NamedSpec & Doc> {
  const out = new Map<string, NamedSpec & Doc>();
  for (const spec of mappings(doc, key)) {
    const name = prop<string>(spec, 'name', 'String');
    if (out.has(name)) throw duplicate(name);
    out.set(name, { ...spec, name, cloudProperties: prop<Doc>(spec, 'cloud_properties', 'Hash', { default: {} }) });
  }
  return out;
}

function ipList(value: unknown, what: string): number[] {
  try {
    return parseIpList(value);
  } catch (err) {
    if (err instanceof IpFormatError) throw fail(160010, `Invalid IP or range format in ${what}: ${err.message}`);
    throw err;
  }
}

function subnetAzs(spec: Doc, network: string, azs: Map<string, unknown>): string[] {
  const one = prop<string | undefined>(spec, 'az', 'String', { optional: true });
  const many = prop<string[] | undefined>(spec, 'azs', 'Array', { optional: true });
  if (one !== undefined && many !== undefined)
    throw fail(160008, `Network '${network}' contains both 'az' and 'azs'. Choose one.`);
  const names = many ?? (one === undefined ? [] : [one]);
  if (many !== undefined && !many.length) throw fail(160009, `Network '${network}' refers to an empty 'azs' array`);
  for (const az of names)
    if (!azs.has(az)) throw fail(160007, `Network '${network}' refers to an unknown availability zone '${az}'`);
  return names;
}

function manualSubnet(spec: Doc, network: string, azs: Map<string, unknown>): Subnet {
  const rangeText = prop<string>(spec, 'range', 'String');
  let range: Cidr;
  try {
    range = parseCidr(rangeText);
  } catch {
    throw fail(160010, `Invalid network range '${rangeText}' in network '${network}'`);
  }
  if (range.last - range.first < 1)
    throw fail(160002, `Invalid network range '${rangeText}', should include at least 2 IPs`);
  const gatewayText = prop<string>(spec, 'gateway', 'String');
  const invalidGateway = (reason: string) => fail(160003, `Invalid gateway for network '${network}': ${reason}`);
  let gateway: number;
  try {
    gateway = ipToInt(gatewayText);
  } catch {
    throw invalidGateway('must be a single IP');
  }
  if (gateway < range.first || gateway > range.last) throw invalidGateway('must be inside the range');
  if (gateway === range.first) throw invalidGateway("can't be the network id");
  if (gateway === range.last) throw invalidGateway("can't be the broadcast IP");
  const reserved = new Set([range.first, range.last, gateway]);
  for (const ip of ipList(spec.reserved, `network '${network}' reserved`)) {
    if (ip < range.first || ip > range.last)
      throw fail(160005, `Reserved IP '${ipText(ip)}' is out of network '${network}' range`);
    reserved.add(ip);
  }
  const statics = new Set<number>();
  for (const ip of ipList(spec.static, `network '${network}' static`)) {
    if (reserved.has(ip)) throw fail(160006, `Static IP '${ipText(ip)}' is in network '${network}' reserved range`);
    if (ip < range.first || ip > range.last)
      throw fail(160006, `Static IP '${ipText(ip)}' is out of network '${network}' range`);
    statics.add(ip);
  }
  return {
    range,
    gateway,
    reserved,
    static: statics,
    azs: subnetAzs(spec, network, azs),
    dns: prop<string[]>(spec, 'dns', 'Array', { default: [] }),
    cloudProperties: prop<Doc>(spec, 'cloud_properties', 'Hash', { default: {} }),
  };
}

const ipText = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

function parseNetwork(spec: Doc, azs: Map<string, unknown>): CloudNetwork {
  const name = prop<string>(spec, 'name', 'String');
  const type = prop<string>(spec, 'type', 'String', { default: 'manual' });
  if (type !== 'manual' && type !== 'dynamic' && type !== 'vip') throw fail(190010, `Invalid network type '${type}'`);
  if (type === 'vip') return { name, type, subnets: [] };
  if (type === 'dynamic') {
    const subnets = spec.subnets == null ? [spec] : mappings(spec, 'subnets');
    return {
      name,
      type,
      subnets: subnets.map((s) => ({
        range: null,
        gateway: null,
        reserved: new Set<number>(),
        static: new Set<number>(),
        azs: subnetAzs(s, name, azs),
        dns: prop<string[]>(s, 'dns', 'Array', { default: [] }),
        cloudProperties: prop<Doc>(s, 'cloud_properties', 'Hash', { default: {} }),
      })),
    };
  }
  const subnets = mappings(spec, 'subnets').map((s) => manualSubnet(s, name, azs));
  for (const [i, a] of subnets.entries())
    for (const b of subnets.slice(i + 1))
      if (a.range!.first <= b.range!.last && b.range!.first <= a.range!.last)
        throw fail(160001, `Network '${name}' has overlapping subnets`);
  return { name, type, subnets };
}

function parseCompilation(doc: Doc, c: Omit<CloudConfig, 'compilation'>): CompilationSpec {
  const spec = prop<Doc>(doc, 'compilation', 'Hash');
  const workers = prop<number>(spec, 'workers', 'Integer');
  if (workers < 1) throw fail(40005, `'workers' value (${workers}) should be greater than 1`);
  const network = prop<string>(spec, 'network', 'String');
  const az = prop<string | undefined>(spec, 'az', 'String', { optional: true }) ?? null;
  if (az && !c.azs.has(az))
    throw fail(
      120002,
      `Compilation config references unknown az '${az}'. Known azs are: [${[...c.azs.keys()].join(', ')}]`,
    );
  const vmType = prop<string | undefined>(spec, 'vm_type', 'String', { optional: true }) ?? null;
  const cloudProperties = prop<Doc | undefined>(spec, 'cloud_properties', 'Hash', { optional: true });
  if (vmType && cloudProperties)
    throw fail(
      120007,
      "Compilation config specifies more than one of 'vm_type', 'vm_resources', or 'cloud_properties', only one is allowed.",
    );
  if (vmType && !c.vmTypes.has(vmType))
    throw fail(
      120003,
      `Compilation config references unknown vm type '${vmType}'. Known vm types are: ${[...c.vmTypes.keys()].join(', ')}`,
    );
  const net = c.networks.get(network);
  if (!net) throw fail(120001, `Compilation config references an unknown network '${network}'`);
  if (az && net.subnets.length && !net.subnets.some((s) => s.azs.includes(az)))
    throw fail(150006, `Compilation config refers to az '${az}' but network '${network}' has no matching subnet(s).`);
  return { workers, network, az, vmType, cloudProperties: cloudProperties ?? {} };
}

/**
 * A merged cloud config document checked in the Director's order and with its messages: azs, networks
 * (at least one; manual subnets with their range, gateway, reserved and static IPs), compilation, vm
 * types, vm extensions, disk types, each name once.
 */
export function parseCloudConfig(doc: Doc): CloudConfig {
  if (!Object.keys(doc).length) return EMPTY_CLOUD_CONFIG;
  const azs = named(doc, 'azs', (n) => fail(190017, `Duplicate az name '${n}'`));
  const networkSpecs = mappings(doc, 'networks');
  if (!networkSpecs.length) throw fail(190008, 'No networks specified');
  const networks = new Map<string, CloudNetwork>();
  for (const spec of networkSpecs) {
    const n = parseNetwork(spec, azs);
    if (networks.has(n.name)) throw fail(190007, `Invalid network name '${n.name}', canonical name already taken`);
    networks.set(n.name, n);
  }
  const vmTypes = named(doc, 'vm_types', (n) => fail(190004, `Duplicate vm type name '${n}'`));
  const vmExtensions = named(doc, 'vm_extensions', (n) => fail(190005, `Duplicate vm extension name '${n}'`));
  const diskTypes = new Map<string, NamedSpec & { diskSize: number }>();
  for (const [name, spec] of named(doc, 'disk_types', (n) => fail(190013, `Duplicate disk type name '${n}'`))) {
    const diskSize = prop<number>(spec, 'disk_size', 'Integer');
    if (diskSize < 0) throw fail(200001, `Disk type '${name}' references an invalid disk size '${diskSize}'`);
    diskTypes.set(name, { name, cloudProperties: spec.cloudProperties, diskSize });
  }
  const base = { empty: false, azs, vmTypes, vmExtensions, diskTypes, networks };
  return { ...base, compilation: parseCompilation(doc, base) };
}

export { ipText };
