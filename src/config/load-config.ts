import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { PROJECT_ROOT } from '../project-root';
import { configSchema, RawConfig } from './config-schema';
import { asError } from '../errors/as-error';

export interface Config extends Omit<RawConfig, 'node_id'> {
  node_id: string;
  /** Absolute path of data_dir. */
  data_dir: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const DEFAULTS_FILE = path.join(PROJECT_ROOT, 'config', 'default.yml');

/** Which environment variable overrides which key, and how its text becomes a value. */
const ENV_OVERRIDES: Array<[string, string[], 'string' | 'int']> = [
  ['BOSUN_BIND', ['bind'], 'string'],
  ['BOSUN_PORT', ['port'], 'int'],
  ['BOSUN_DATA_DIR', ['data_dir'], 'string'],
  ['BOSUN_NODE_ID', ['node_id'], 'string'],
  ['BOSUN_DATABASE_URL', ['database', 'url'], 'string'],
  ['BOSUN_TLS_CERT', ['tls', 'cert'], 'string'],
  ['BOSUN_TLS_KEY', ['tls', 'key'], 'string'],
  ['BOSUN_ADMIN_PASSWORD', ['admin_password'], 'string'],
  ['BOSUN_WORKERS', ['workers'], 'int'],
  ['BOSUN_LOG_LEVEL', ['log_level'], 'string'],
  ['BOSUN_DOCKER_SOCKET', ['docker', 'socket'], 'string'],
  ['BOSUN_SECRETS_KEY', ['secrets', 'key'], 'string'],
  ['BOSUN_TERRAFORM', ['syncs', 'terraform'], 'string'],
  ['BOSUN_SYNC_MODULES_ROOT', ['syncs', 'modules_root'], 'string'],
];

type Tree = Record<string, unknown>;

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isTree(v) && isTree(base[k]) ? deepMerge(base[k], v) : v;
  }
  return out;
}

function readYaml(file: string, problems: string[]): Tree {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? asError(err).message})`);
    return {};
  }
  try {
    const doc: unknown = YAML.parse(text) ?? {};
    if (!isTree(doc)) {
      problems.push(`${file}: must hold a YAML mapping`);
      return {};
    }
    return doc;
  } catch (err) {
    problems.push(`${file}: invalid YAML (${(err as Error).message.split('\n')[0]})`);
    return {};
  }
}

function envOverrides(env: NodeJS.ProcessEnv, problems: string[]): Tree {
  const out: Tree = {};
  for (const [name, keyPath, kind] of ENV_OVERRIDES) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    let value: unknown = text;
    if (kind === 'int') {
      if (!/^\d+$/.test(text)) {
        problems.push(`${name}: expected a whole number, got ${JSON.stringify(text)}`);
        continue;
      }
      value = Number(text);
    }
    let node = out;
    for (const key of keyPath.slice(0, -1)) node = node[key] = isTree(node[key]) ? node[key] : {};
    node[keyPath[keyPath.length - 1]] = value;
  }
  return out;
}

/**
 * Loads config/default.yml, then the operator's file (--config or BOSUN_CONFIG), then BOSUN_* overrides,
 * and validates the whole. Throws ConfigError listing every problem found.
 */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv } = {}): Config {
  const env = opts.env ?? process.env;
  const problems: string[] = [];
  let tree = readYaml(DEFAULTS_FILE, problems);
  const file = opts.file ?? env.BOSUN_CONFIG;
  if (file) tree = deepMerge(tree, readYaml(file, problems));
  tree = deepMerge(tree, envOverrides(env, problems));
  const parsed = configSchema.safeParse(tree);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const raw = parsed.data;
  return Object.freeze({
    ...raw,
    node_id: raw.node_id ?? os.hostname(),
    data_dir: path.resolve(raw.data_dir),
  });
}
