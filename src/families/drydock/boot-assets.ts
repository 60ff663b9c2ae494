import zlib from 'node:zlib';
import { tarFiles, TarFile } from '../../docker/tar-files';
import type { EffectiveSite } from './design-validation';
import type { AssetModel, NodeModel } from './site-design';

export interface BootActionIdentity {
  actionId: string;
  identityKey: string;
}

export interface RenderedAsset extends TarFile {
  type: 'file' | 'unit';
  bootAction: string;
}

/** Thrown when an asset's pipeline fails (bad base64, a segment that cannot apply). */
export class AssetRenderError extends Error {}

type Context = Record<string, unknown>;

function lookup(ctx: Context, path: string): unknown {
  let v: unknown = ctx;
  for (const key of path.split('.')) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/**
 * The `template` segment: Drydock renders Jinja2; bosun substitutes `{{ path.to.value }}` from the
 * same context (`node.hostname`, `node.tags`, `node.labels.X`, `action.action_id`, `action.action_key`,
 * `action.report_url`, `action.design_ref`). Other Jinja syntax is left as written.
 */
function renderTemplate(text: string, ctx: Context): string {
  return text.replace(/\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g, (_m, path: string) => {
    const v = lookup(ctx, path);
    if (v === undefined || v === null) return '';
    return typeof v === 'string' ? v : (JSON.stringify(v) ?? '');
  });
}

function runPipeline(asset: AssetModel, ctx: Context): Buffer {
  let data: Buffer | string = typeof asset.data === 'string' ? asset.data : JSON.stringify(asset.data);
  if (typeof data === 'string') data = Buffer.from(data, 'utf8');
  for (const segment of asset.pipeline) {
    const bytes: Buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    switch (segment) {
      case 'base64_decode': {
        const text = bytes.toString('latin1').replace(/\s+/g, '');
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text))
          throw new AssetRenderError(`Error when running bootaction pipeline segment base64_decode: not base64`);
        data = Buffer.from(text, 'base64');
        break;
      }
      case 'base64_encode':
        data = Buffer.from(bytes.toString('base64'), 'utf8');
        break;
      case 'utf8_decode':
      case 'utf8_encode':
        data = Buffer.from(bytes.toString('utf8'), 'utf8');
        break;
      case 'template':
        data = Buffer.from(renderTemplate(bytes.toString('utf8'), ctx), 'utf8');
        break;
      default:
        throw new AssetRenderError(`Bootaction pipeline segment ${segment} unknown.`);
    }
  }
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

function nodeContext(site: EffectiveSite, node: NodeModel): Context {
  const network: Record<string, unknown> = {};
  for (const a of node.addressing) {
    if (a.address === null) continue;
    const net = site.design.networks.find((n) => n.name === a.network);
    network[a.network] = { ip: a.address, cidr: net?.cidr ?? null, dns_suffix: net?.dnsDomain ?? null };
    if (a.network === node.primaryNetwork) network.default = network[a.network];
  }
  return { hostname: node.name, tags: node.tags, labels: node.ownerData, network };
}

/**
 * The file and unit assets of every boot action targeting `hostname`, rendered for it (Drydock's
 * `render_assets`), each with its mode. `identities` gives each boot action's id and the node's key.
 */
export function renderNodeAssets(
  site: EffectiveSite,
  hostname: string,
  identities: Map<string, BootActionIdentity>,
  designRef: string,
  reportUrl: string,
  type?: 'file' | 'unit',
): RenderedAsset[] {
  const node = site.nodes.find((n) => n.name === hostname);
  if (!node) return [];
  const out: RenderedAsset[] = [];
  for (const ba of site.design.bootActions) {
    if (!(site.bootActionTargets.get(ba.name) ?? []).includes(hostname)) continue;
    const id = identities.get(ba.name);
    const ctx = {
      node: nodeContext(site, node),
      action: {
        action_id: id?.actionId ?? '',
        action_key: id?.identityKey ?? '',
        report_url: reportUrl,
        design_ref: designRef,
      },
    };
    for (const asset of ba.assets) {
      if (asset.type === 'pkg_list' || !asset.path) continue;
      if (type && asset.type !== type) continue;
      out.push({
        type: asset.type,
        bootAction: ba.name,
        name: asset.path,
        mode: asset.mode,
        content: runPipeline(asset, ctx),
      });
    }
  }
  return out;
}

/** A gzipped tar of assets with their modes (Drydock's `tarbuilder`). */
export async function assetsTarball(assets: RenderedAsset[]): Promise<Buffer> {
  const tar = await tarFiles(
    assets.map((a) => ({ name: a.name.replace(/^\/+/, ''), mode: a.mode, content: a.content })),
  );
  return zlib.gzipSync(tar);
}

/** The commands a systemd unit starts (`ExecStart=` lines, without systemd's `-@+!:` prefixes). */
export function unitCommands(unit: Buffer): string[] {
  return unit
    .toString('utf8')
    .split('\n')
    .map((l) => /^\s*ExecStart\s*=\s*(.*)$/.exec(l)?.[1]?.trim() ?? '')
    .filter(Boolean)
    .map((c) => c.replace(/^[-@+!:]+/, ''));
}
