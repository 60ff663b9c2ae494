import YAML from 'yaml';
import { z } from 'zod';
import { NodeFilterSet, nodeFilterSetSchema } from './node-filter';

/*
 * A site design: the YAML stream of Drydock documents (`schema: drydock/<Kind>/v1`, `metadata.name`,
 * `data`), as Drydock's deckhand ingester reads it, turned into the model bosun provisions from.
 * Documents of other namespaces (deckhand's own) are skipped, as Drydock skips them.
 */

export const DOCUMENT_KINDS = [
  'Region',
  'Rack',
  'HostProfile',
  'HardwareProfile',
  'BaremetalNode',
  'BootAction',
  'Network',
  'NetworkLink',
] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** Where a model came from, as validation messages name it (`documents: [{schema, name}]`). */
export interface DocumentRef {
  schema: string;
  name: string;
}

const str = z.string();
const strMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

const hostFields = {
  host_profile: str.optional(),
  hardware_profile: str.optional(),
  primary_network: str.optional(),
  platform: z
    .object({
      image: str.optional(),
      kernel: str.optional(),
      kernel_params: z.record(z.string(), z.unknown()).optional(),
    })
    .passthrough()
    .optional(),
  metadata: z
    .object({
      tags: z.array(str).optional(),
      owner_data: strMap.optional(),
      rack: str.optional(),
      boot_mac: str.optional(),
    })
    .passthrough()
    .optional(),
  interfaces: z.record(z.string(), z.unknown()).optional(),
  oob: z.record(z.string(), z.unknown()).optional(),
  storage: z.record(z.string(), z.unknown()).optional(),
};

const assetSchema = z
  .object({
    path: str.optional(),
    type: z.enum(['file', 'unit', 'pkg_list']),
    permissions: z
      .union([z.string().regex(/^[0-7]{3,4}$/, 'must be an octal mode like 644'), z.number().int().min(0).max(0o7777)])
      .optional(),
    data: z.unknown().optional(),
    location: str.optional(),
    data_pipeline: z
      .array(z.enum(['base64_decode', 'base64_encode', 'utf8_decode', 'utf8_encode', 'template']))
      .optional(),
    location_pipeline: z.array(str).optional(),
  })
  .passthrough();

/** The part of each kind's data bosun reads, checked as Drydock's JSON schemas check it (DD001). */
const DATA_SCHEMAS: Record<DocumentKind, z.ZodType<Record<string, unknown>>> = {
  Region: z
    .object({
      tag_definitions: z.array(z.unknown()).optional(),
      authorized_keys: z.array(str).optional(),
      repositories: z.unknown().optional(),
    })
    .passthrough(),
  Rack: z
    .object({ local_networks: z.array(str).optional(), location: z.record(z.string(), z.unknown()).optional() })
    .passthrough(),
  HostProfile: z.object(hostFields).passthrough(),
  HardwareProfile: z.object({ vendor: str.optional(), cpu_sets: z.unknown().optional() }).passthrough(),
  BaremetalNode: z
    .object({
      ...hostFields,
      addressing: z
        .array(z.object({ network: str, address: z.union([str, z.null()]).optional() }).passthrough())
        .optional(),
    })
    .passthrough(),
  BootAction: z
    .object({
      signaling: z.boolean().optional(),
      assets: z.array(assetSchema).min(1),
      node_filter: nodeFilterSetSchema.optional(),
    })
    .passthrough(),
  Network: z
    .object({
      cidr: str.optional(),
      vlan: z.union([str, z.number()]).optional(),
      mtu: z.number().optional(),
      dns: z.object({ domain: str.optional() }).passthrough().optional(),
    })
    .passthrough(),
  NetworkLink: z.object({ allowed_networks: z.array(str).optional(), mtu: z.number().optional() }).passthrough(),
};

export interface DesignDocument {
  kind: DocumentKind;
  name: string;
  ref: DocumentRef;
  data: Record<string, unknown>;
  /** Its position in the stream (1-based), for messages. */
  index: number;
}

export interface HostModel {
  name: string;
  ref: DocumentRef;
  parentProfile: string | null;
  hardwareProfile: string | null;
  image: string | null;
  kernel: string | null;
  primaryNetwork: string | null;
  rack: string | null;
  tags: string[];
  ownerData: Record<string, string>;
}

export interface NodeModel extends HostModel {
  bootMac: string | null;
  addressing: Array<{ network: string; address: string | null }>;
}

export interface AssetModel {
  type: 'file' | 'unit' | 'pkg_list';
  path: string | null;
  /** The file mode; Drydock's default for an asset without `permissions` is 0600. */
  mode: number;
  data: unknown;
  pipeline: string[];
}

export interface BootActionModel {
  name: string;
  ref: DocumentRef;
  signaling: boolean;
  assets: AssetModel[];
  nodeFilter: NodeFilterSet | null;
}

export interface NetworkModel {
  name: string;
  ref: DocumentRef;
  cidr: string | null;
  dnsDomain: string | null;
}

export interface SiteDesign {
  documents: DesignDocument[];
  hostProfiles: HostModel[];
  hardwareProfiles: Array<{ name: string; ref: DocumentRef }>;
  nodes: NodeModel[];
  bootActions: BootActionModel[];
  networks: NetworkModel[];
  networkLinks: Array<{ name: string; ref: DocumentRef; allowedNetworks: string[] }>;
  racks: Array<{ name: string; ref: DocumentRef; labels: Record<string, string> }>;
  regions: Array<{ name: string; ref: DocumentRef }>;
}

/** A problem found while reading the stream: Drydock's DD000 (structure) or DD001 (schema). */
export interface DocumentProblem {
  code: 'DD000' | 'DD001';
  message: string;
  ref: DocumentRef | null;
}

export class DesignParseError extends Error {}

/** The documents of a YAML stream; a stream that is not YAML at all throws DesignParseError. */
export function readDocuments(text: string): { documents: DesignDocument[]; problems: DocumentProblem[] } {
  const docs = YAML.parseAllDocuments(text, { prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const documents: DesignDocument[] = [];
  const problems: DocumentProblem[] = [];
  list.forEach((doc, i) => {
    if (doc.errors.length) {
      const e = doc.errors[0];
      const pos = e.linePos?.[0];
      throw new DesignParseError(
        `Error parsing YAML${pos ? ` at (l:${pos.line}, c:${pos.col})` : ''}: ${e.message.split('\n')[0]}`,
      );
    }
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ code: 'DD000', message: `Error processing document ${i + 1}: not a mapping`, ref: null });
      return;
    }
    const d = value as Record<string, unknown>;
    const schema = typeof d.schema === 'string' ? d.schema : '';
    const parts = schema.split('/');
    if (parts.length !== 3) {
      problems.push({
        code: 'DD000',
        message: `Error processing document ${i + 1}: schema must be <namespace>/<Kind>/<version>`,
        ref: null,
      });
      return;
    }
    if (parts[0] !== 'drydock') return;
    const meta = (d.metadata && typeof d.metadata === 'object' ? d.metadata : {}) as Record<string, unknown>;
    const name = typeof meta.name === 'string' && meta.name ? meta.name : null;
    const ref: DocumentRef = { schema, name: name ?? 'Unknown' };
    if (!(DOCUMENT_KINDS as readonly string[]).includes(parts[1])) {
      problems.push({ code: 'DD000', message: `Error processing document: unknown document kind ${parts[1]}`, ref });
      return;
    }
    if (!name) {
      problems.push({ code: 'DD000', message: 'Error processing document: metadata.name is required', ref });
      return;
    }
    const kind = parts[1] as DocumentKind;
    const parsed = DATA_SCHEMAS[kind].safeParse(d.data ?? {});
    if (!parsed.success) {
      for (const issue of parsed.error.issues.slice(0, 10)) {
        problems.push({
          code: 'DD001',
          message: `${kind}:${parts[2]} schema validation error: ${issue.path.join('.') || 'data'}: ${issue.message}`,
          ref,
        });
      }
      return;
    }
    let labels: Record<string, string> = {};
    if (meta.labels && typeof meta.labels === 'object')
      labels = Object.fromEntries(Object.entries(meta.labels).map(([k, v]) => [k, String(v)]));
    documents.push({
      kind,
      name,
      ref,
      data: kind === 'Rack' ? { ...parsed.data, __labels: labels } : parsed.data,
      index: i + 1,
    });
  });
  return { documents, problems };
}

function hostModel(doc: DesignDocument): HostModel {
  const d = doc.data as z.infer<z.ZodObject<typeof hostFields>>;
  return {
    name: doc.name,
    ref: doc.ref,
    parentProfile: d.host_profile ?? null,
    hardwareProfile: d.hardware_profile ?? null,
    image: d.platform?.image ?? null,
    kernel: d.platform?.kernel ?? null,
    primaryNetwork: d.primary_network ?? null,
    rack: d.metadata?.rack ?? null,
    tags: d.metadata?.tags ?? [],
    ownerData: d.metadata?.owner_data ?? {},
  };
}

function assetModel(a: z.infer<typeof assetSchema>): AssetModel {
  const mode =
    a.permissions === undefined
      ? 0o600
      : typeof a.permissions === 'number'
        ? a.permissions
        : parseInt(a.permissions, 8);
  return { type: a.type, path: a.path ?? null, mode, data: a.data ?? null, pipeline: a.data_pipeline ?? [] };
}

/** The model of the documents, before inheritance (Drydock's "described" site). */
export function describeSite(documents: DesignDocument[]): SiteDesign {
  const of = (kind: DocumentKind) => documents.filter((d) => d.kind === kind);
  return {
    documents,
    hostProfiles: of('HostProfile').map(hostModel),
    hardwareProfiles: of('HardwareProfile').map((d) => ({ name: d.name, ref: d.ref })),
    nodes: of('BaremetalNode').map((d) => {
      const data = d.data as { addressing?: Array<{ network: string; address?: string | null }> };
      return {
        ...hostModel(d),
        bootMac: (d.data.metadata as { boot_mac?: string } | undefined)?.boot_mac ?? null,
        addressing: (data.addressing ?? []).map((a) => ({
          network: a.network,
          address: a.address && a.address !== 'dhcp' ? a.address : null,
        })),
      };
    }),
    bootActions: of('BootAction').map((d) => {
      const data = d.data as {
        signaling?: boolean;
        assets: Array<z.infer<typeof assetSchema>>;
        node_filter?: NodeFilterSet;
      };
      return {
        name: d.name,
        ref: d.ref,
        signaling: data.signaling ?? true,
        assets: data.assets.map(assetModel),
        nodeFilter: data.node_filter ?? null,
      };
    }),
    networks: of('Network').map((d) => {
      const data = d.data as { cidr?: string; dns?: { domain?: string } };
      return { name: d.name, ref: d.ref, cidr: data.cidr ?? null, dnsDomain: data.dns?.domain ?? null };
    }),
    networkLinks: of('NetworkLink').map((d) => ({
      name: d.name,
      ref: d.ref,
      allowedNetworks: (d.data.allowed_networks as string[] | undefined) ?? [],
    })),
    racks: of('Rack').map((d) => ({ name: d.name, ref: d.ref, labels: d.data.__labels as Record<string, string> })),
    regions: of('Region').map((d) => ({ name: d.name, ref: d.ref })),
  };
}

/**
 * Applies host-profile inheritance to every node, as Drydock's `apply_inheritance` does: scalar fields
 * come from the nearest document that sets them, tags are merged, owner data (labels) merged with the
 * child's keys winning. A missing or circular parent throws, naming it.
 */
export function effectiveNode(design: SiteDesign, node: NodeModel): NodeModel {
  let out: NodeModel = { ...node, tags: [...node.tags], ownerData: { ...node.ownerData } };
  const seen = new Set<string>();
  let parentName = node.parentProfile;
  let childName = node.name;
  while (parentName) {
    if (seen.has(parentName)) throw new Error(`Host profile ${parentName} inherits from itself`);
    seen.add(parentName);
    const parent = design.hostProfiles.find((p) => p.name === parentName);
    if (!parent) throw new Error(`Cannot find parent profile ${parentName} for ${childName}`);
    out = {
      ...out,
      hardwareProfile: out.hardwareProfile ?? parent.hardwareProfile,
      image: out.image ?? parent.image,
      kernel: out.kernel ?? parent.kernel,
      primaryNetwork: out.primaryNetwork ?? parent.primaryNetwork,
      rack: out.rack ?? parent.rack,
      tags: [...out.tags, ...parent.tags.filter((t) => !out.tags.includes(t))],
      ownerData: { ...parent.ownerData, ...out.ownerData },
    };
    childName = parent.name;
    parentName = parent.parentProfile;
  }
  return out;
}
