import { DocumentRef, DocumentProblem, effectiveNode, NodeModel, SiteDesign } from './site-design';
import { selectNodes } from './node-filter';
import { drydockTime } from './drydock-time';

/** One message of a validation answer: Drydock's `ValidationMessage.to_dict`. */
export interface ValidationMessage {
  kind: 'ValidationMessage';
  name: string;
  message: string;
  error: boolean;
  level: 'Info' | 'Warning' | 'Error';
  diagnostic: string | null;
  ts: string;
  documents: DocumentRef[];
}

/** Drydock's validation answer (`Validation.to_dict` plus the `code` the API adds). */
export interface ValidationStatus {
  kind: 'Status';
  apiVersion: 'v1.0';
  metadata: Record<string, never>;
  message: string;
  reason: string | null;
  status: 'Success' | 'Failure';
  details: { errorCount: number; messageList: ValidationMessage[] };
  code: 200 | 400;
}

/** A design whose checks passed: its nodes with inheritance applied, and each boot action's targets. */
export interface EffectiveSite {
  design: SiteDesign;
  nodes: NodeModel[];
  bootActionTargets: Map<string, string[]>;
}

class Report {
  readonly messages: ValidationMessage[] = [];

  constructor(
    private readonly longName: string,
    private readonly code: string,
  ) {}

  error(msg: string, docs: DocumentRef[], diagnostic: string): void {
    this.add(msg, docs, diagnostic, true, 'Error');
  }

  warn(msg: string, docs: DocumentRef[], diagnostic: string): void {
    this.add(msg, docs, diagnostic, false, 'Warning');
  }

  /** Like Drydock's validators: a rule with no error says so. */
  close(): ValidationMessage[] {
    if (!this.messages.some((m) => m.error)) this.add('Validation successful.', [], '', false, 'Info');
    return this.messages;
  }

  private add(
    msg: string,
    docs: DocumentRef[],
    diagnostic: string,
    error: boolean,
    level: ValidationMessage['level'],
  ): void {
    this.messages.push({
      kind: 'ValidationMessage',
      name: this.code,
      message: `${this.longName}: ${msg}`,
      error,
      level,
      diagnostic,
      ts: drydockTime(new Date()),
      documents: docs,
    });
  }
}

const LABEL = /^[a-z0-9-]{1,63}$/i;

/** The rules bosun checks, each Drydock's code and name where Drydock has the rule. */
const RULES: Array<
  [string, string, (site: SiteDesign, nodes: NodeModel[], targets: Map<string, string[]>, r: Report) => void]
> = [
  [
    'DD3004',
    'Unique Names',
    (site, _nodes, _t, r) => {
      const seen = new Map<string, DocumentRef>();
      for (const d of site.documents) {
        const key = `${d.kind}/${d.name}`;
        const first = seen.get(key);
        if (first) {
          const what = d.kind === 'BaremetalNode' ? `Duplicate hostname ${d.name}` : `Duplicate ${d.kind} ${d.name}`;
          r.error(what, [first, d.ref], 'Each document of a kind needs its own name; a hostname names one node.');
        } else seen.set(key, d.ref);
      }
    },
  ],
  [
    'DD3005',
    'Profile References',
    (site, _nodes, _t, r) => {
      for (const host of [...site.hostProfiles, ...site.nodes]) {
        if (host.parentProfile && !site.hostProfiles.some((p) => p.name === host.parentProfile)) {
          r.error(
            `Cannot find host profile ${host.parentProfile} for ${host.name}`,
            [host.ref],
            'host_profile must name a HostProfile document of the design.',
          );
        }
        if (host.hardwareProfile && !site.hardwareProfiles.some((p) => p.name === host.hardwareProfile)) {
          r.error(
            `Cannot find hardware profile ${host.hardwareProfile} for ${host.name}`,
            [host.ref],
            'hardware_profile must name a HardwareProfile document of the design.',
          );
        }
      }
    },
  ],
  [
    'DD3001',
    'Platform Selection',
    (_site, nodes, _t, r) => {
      for (const n of nodes) {
        if (!n.image)
          r.error(
            `Node ${n.name} has no platform image`,
            [n.ref],
            "A node is a container of its host profile's platform.image.",
          );
        else if (!/^[\w][\w.\-/:@]{0,254}$/.test(n.image))
          r.error(
            `Node ${n.name} has an invalid image name ${n.image}`,
            [n.ref],
            'platform.image must be a Docker image reference.',
          );
      }
    },
  ],
  [
    'DD3003',
    'Hostname Validity',
    (_site, nodes, _t, r) => {
      for (const n of nodes) {
        if (!LABEL.test(n.name))
          r.error(
            `FQDN ${n.name} is invalid - label '${n.name}' is invalid.`,
            [n.ref],
            'RFC 1035 requires each label in a DNS name to be <= 63 characters and contain only A-Z, a-z, 0-9, and hyphens.',
          );
      }
    },
  ],
  [
    'DD2002',
    'IP Locality Check',
    (site, nodes, _t, r) => {
      for (const n of nodes) {
        for (const a of n.addressing) {
          if (!site.networks.some((net) => net.name === a.network))
            r.error(
              `Node ${n.name} has an address on undefined network ${a.network}`,
              [n.ref],
              'Every addressed network must be defined.',
            );
        }
        if (n.primaryNetwork && !site.networks.some((net) => net.name === n.primaryNetwork)) {
          r.error(
            `Node ${n.name} has undefined primary network ${n.primaryNetwork}`,
            [n.ref],
            'primary_network must name a Network document.',
          );
        }
      }
    },
  ],
  [
    'DD2005',
    'Duplicated IP Check',
    (_site, nodes, _t, r) => {
      const found = new Map<string, NodeModel>();
      if (!nodes.length)
        r.warn('No BaremetalNodes Found.', [], 'Site design unlikely complete with no defined baremetal nodes.');
      for (const n of nodes) {
        for (const a of n.addressing) {
          if (a.address === null) continue;
          const other = found.get(a.address);
          if (other)
            r.error(
              `Duplicate IP Address Found: ${a.address} `,
              [n.ref, other.ref],
              'Select unique IP addresses for each node.',
            );
          else found.set(a.address, n);
        }
      }
    },
  ],
  [
    'DD1007',
    'Allowed Network Check',
    (site, _nodes, _t, r) => {
      for (const link of site.networkLinks) {
        for (const net of link.allowedNetworks) {
          if (!site.networks.some((n) => n.name === net))
            r.error(
              `NetworkLink ${link.name} allows undefined network ${net}`,
              [link.ref],
              'allowed_networks must name Network documents.',
            );
        }
      }
    },
  ],
  [
    'DD4001',
    'Bootaction Definition',
    (site, nodes, targets, r) => {
      for (const ba of site.bootActions) {
        if (!(targets.get(ba.name) ?? []).length)
          r.error(
            `Bootaction ${ba.name} targets no node.`,
            [ba.ref],
            'The node_filter of a boot action must select at least one node of the design.',
          );
        for (const a of ba.assets) {
          if (a.type !== 'pkg_list' && !a.path)
            r.error(
              `Bootaction ${ba.name} has a ${a.type} asset without a path.`,
              [ba.ref],
              'file and unit assets need a path.',
            );
          if (a.type !== 'pkg_list' && a.data === null)
            r.error(
              `Bootaction ${ba.name} has a ${a.type} asset without data.`,
              [ba.ref],
              'bosun renders assets from data (location is not fetched).',
            );
        }
      }
      const covered = new Set([...targets.values()].flat());
      for (const n of nodes) {
        if (!covered.has(n.name))
          r.warn(
            `Node ${n.name} is not in scope for any bootactions.`,
            [n.ref],
            'It is expected all nodes have at least one post-deploy action.',
          );
      }
    },
  ],
];

/** Drydock's DD000/DD001 messages for problems found while reading the documents. */
export function problemMessages(problems: DocumentProblem[]): ValidationMessage[] {
  return problems.map((p) => ({
    kind: 'ValidationMessage',
    name: p.code,
    message: p.message,
    error: true,
    level: 'Error',
    diagnostic: `Invalid input file - see Drydock Troubleshooting Guide for ${p.code}`,
    ts: drydockTime(new Date()),
    documents: p.ref ? [p.ref] : [],
  }));
}

/** Nodes with inheritance applied; a node whose chain is broken keeps its own fields (the rules report it). */
function effectiveNodes(site: SiteDesign): NodeModel[] {
  return site.nodes.map((n) => {
    try {
      return effectiveNode(site, n);
    } catch {
      return n;
    }
  });
}

export function statusOf(messages: ValidationMessage[]): ValidationStatus {
  const errorCount = messages.filter((m) => m.error).length;
  return {
    kind: 'Status',
    apiVersion: 'v1.0',
    metadata: {},
    message: errorCount ? 'Site design failed validation.' : 'Site design passed validation',
    reason: errorCount ? 'See detail messages.' : null,
    status: errorCount ? 'Failure' : 'Success',
    details: { errorCount, messageList: messages },
    code: errorCount ? 400 : 200,
  };
}

/** Validates a design (with the problems met reading it): Drydock's answer, and the effective site when it passed. */
export function validateSite(
  site: SiteDesign,
  problems: DocumentProblem[] = [],
): { status: ValidationStatus; site: EffectiveSite | null } {
  const nodes = effectiveNodes(site);
  const rackLabels = new Map(site.racks.map((r) => [r.name, r.labels]));
  const targets = new Map(site.bootActions.map((ba) => [ba.name, selectNodes(nodes, ba.nodeFilter, rackLabels)]));
  const messages = problemMessages(problems);
  for (const [code, name, rule] of RULES) {
    const report = new Report(name, code);
    rule(site, nodes, targets, report);
    messages.push(...report.close());
  }
  const status = statusOf(messages);
  return { status, site: status.status === 'Success' ? { design: site, nodes, bootActionTargets: targets } : null };
}
