import { z } from 'zod';
import { isSemiSemantic, versionText } from '../versions';
import { parseYamlWith } from '../yaml-document';

const schema = z.object({
  name: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
  version: z
    .union([z.string(), z.number()])
    .transform(versionText)
    .refine(isSemiSemantic, 'not a semi-semantic version'),
  operating_system: z.string().min(1).max(200).optional(),
  api_version: z.number().int().optional(),
  sha1: z.string().optional(),
  cloud_properties: z.record(z.string(), z.unknown()).nullish(),
});

export type StemcellManifest = z.infer<typeof schema> & { operating_system: string };

/** `stemcell.MF`: name, version, operating system, the image's digest. */
export function parseStemcellManifest(text: string): StemcellManifest {
  const data = parseYamlWith(schema, text, 'stemcell.MF');
  const os =
    data.operating_system ??
    versionText((data.cloud_properties as Record<string, unknown> | null)?.os_type ?? 'unknown');
  return { ...data, operating_system: os };
}

/** The Docker image a stemcell becomes: a repository and tag Docker accepts. */
export function stemcellImageRef(name: string, version: string): string {
  const repo =
    name
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, '-')
      .replace(/^[._-]+/, '') || 'stemcell';
  const tag = version.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 128);
  return `bosun-stemcell/${repo}:${tag}`;
}
