import { z } from 'zod';
import { limitOverridesSchema } from '../../docker/container-limits';

const SECRET_REF = /^(\w+)@([\w\-_/]+)\.([\w\-_]+)$/;
// Docker's reference grammar: [domain[:port]/]component(/component)*[:tag][@sha256:digest], where a
// domain has a dot or a port, or is localhost; components are lower case.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_REF = new RegExp(
  `^(?:(?:localhost|[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+|[A-Za-z0-9-]+(?=:\\d))(?::\\d+)?/)?${COMPONENT}(?:/${COMPONENT})*(?::\\w[\\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`,
);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Fields that need HashiCorp Vault, answered with a clear error while no Vault is configured. */
export const VAULT_FIELDS = ['cubby_token', 'cubby_path', 'wrap_secret_id'] as const;

const envVars = z
  .union([
    z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=/, 'must be NAME=value')),
    z.record(z.string().regex(ENV_NAME, 'must be a variable name'), z.string()),
  ])
  .transform((v) => (Array.isArray(v) ? v : Object.entries(v).map(([k, val]) => `${k}=${val}`)));

/**
 * `POST /v1/api/job`: every request field of GoStint's job API but `content`, which is decoded and
 * stored while the body arrives (see job-body-scanner.ts).
 */
export const containerJobRequestSchema = z
  .object({
    qname: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\w.-]+$/, 'may hold letters, digits, _ . - only')
      .transform((q) => q.toLowerCase())
      .optional(),
    container_image: z.string().min(1).max(512).regex(IMAGE_REF, 'is not a valid image reference'),
    image_pull_policy: z.enum(['IfNotPresent', 'Always']).default('IfNotPresent'),
    entrypoint: z.array(z.string()).max(256).optional(),
    run: z.array(z.string()).max(4096).optional(),
    working_directory: z.string().startsWith('/', 'must be an absolute path').max(4096).optional(),
    env_vars: envVars.optional(),
    tty: z.boolean().default(false),
    secret_refs: z.array(z.string().regex(SECRET_REF, 'must be VAR@path.key')).max(256).optional(),
    secret_file_type: z.enum(['yaml', 'json']).default('yaml'),
    cont_on_warnings: z.boolean().default(false),
    /** bosun's own field: this job's memory, pids and cpus, each within docker.max_limits. */
    resources: limitOverridesSchema.optional(),
    cubby_token: z.string().optional(),
    cubby_path: z.string().optional(),
    wrap_secret_id: z.string().optional(),
  })
  .strict();

export type ContainerJobRequest = z.infer<typeof containerJobRequestSchema>;

/**
 * What the task stores and the operation receives: `content_blob` names the blob holding content's
 * archive (`content`, the base64 text itself, is what tasks queued by earlier versions hold).
 */
export const containerJobParamsSchema = z.object({
  job_id: z.string(),
  container_image: z.string(),
  image_pull_policy: z.enum(['IfNotPresent', 'Always']),
  content: z.string().optional(),
  content_blob: z.string().optional(),
  entrypoint: z.array(z.string()).optional(),
  run: z.array(z.string()).optional(),
  working_directory: z.string().optional(),
  env_vars: z.array(z.string()).optional(),
  tty: z.boolean(),
  secret_refs: z.array(z.string()).optional(),
  secret_file_type: z.enum(['yaml', 'json']),
  cont_on_warnings: z.boolean(),
  /** As asked (memory in bytes); the running node adds its defaults and checks its maxima. */
  resources: limitOverridesSchema.optional(),
});

export type ContainerJobParams = z.infer<typeof containerJobParamsSchema>;

/**
 * GoStint's `content`: base64 of a tar.gz, with or without a `targz,` prefix. Returns the archive, or a
 * reason it is not one.
 */
export function decodeContent(content: string): { archive: Buffer } | { problem: string } {
  const b64 = content.startsWith('targz,') ? content.slice('targz,'.length) : content;
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(b64)) return { problem: 'content is not base64' };
  const archive = Buffer.from(b64, 'base64');
  if (archive.length < 2 || archive[0] !== 0x1f || archive[1] !== 0x8b)
    return { problem: 'content is not a gzip-compressed tar' };
  return { archive };
}
