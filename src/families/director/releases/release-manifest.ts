import { z } from 'zod';
import { isSemiSemantic, versionText } from '../versions';
import { parseYamlWith } from '../yaml-document';

const NAME = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only');

const artifact = z.object({
  name: NAME,
  version: z.union([z.string(), z.number()]).transform(versionText).optional(),
  fingerprint: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9_.:-]+$/),
  sha1: z.string().min(1).max(300),
});

const schema = z.object({
  name: NAME,
  version: z
    .union([z.string(), z.number()])
    .transform(versionText)
    .refine(isSemiSemantic, 'not a semi-semantic version'),
  commit_hash: z.string().nullish(),
  uncommitted_changes: z.boolean().nullish(),
  jobs: z.array(artifact.extend({ packages: z.array(NAME).nullish() })).default([]),
  packages: z.array(artifact.extend({ dependencies: z.array(NAME).nullish() })).default([]),
});

export type ReleaseManifest = z.infer<typeof schema>;
export type ReleaseJobRef = ReleaseManifest['jobs'][number];
export type ReleasePackageRef = ReleaseManifest['packages'][number];

/** `release.MF`: the release's name, version, and every job and package with its fingerprint and digest. */
export function parseReleaseManifest(text: string): ReleaseManifest {
  const data = parseYamlWith(schema, text, 'release.MF');
  const names = new Set(data.packages.map((p) => p.name));
  for (const p of data.packages) {
    for (const d of p.dependencies ?? [])
      if (!names.has(d)) throw new Error(`release.MF: package '${p.name}' depends on unknown package '${d}'`);
  }
  return data;
}
