import { z } from 'zod';

/** Resources one container may use; every container bosun starts gets them (a fork bomb or a memory hog stays inside). */
export interface ContainerLimits {
  /** Bytes of memory (swap included: the container gets no swap beyond it). */
  memoryBytes: number;
  /** Processes and threads at once. */
  pids: number;
  /** CPUs' worth of time (1.5 = one and a half cores). */
  cpus: number;
}

/** What every container gets besides its limits: no privilege gained through setuid files, fewer capabilities. */
export interface ContainerSecurity {
  noNewPrivileges: boolean;
  capDrop: string[];
}

export interface ContainerPolicy {
  limits: ContainerLimits;
  security: ContainerSecurity;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
/** Docker refuses memory limits below 6 MiB. */
const MIN_MEMORY = 6 * 1024 ** 2;

/** Docker's memory notation: a whole number of bytes, or one with a k, m or g suffix ("512m", "1g"). */
export function parseMemory(text: string | number): number | null {
  if (typeof text === 'number') return Number.isSafeInteger(text) && text > 0 ? text : null;
  const m = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i.exec(text.trim());
  if (!m) return null;
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2].toLowerCase()]);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}

const memory = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const bytes = parseMemory(v);
  if (bytes === null || bytes < MIN_MEMORY) {
    ctx.addIssue({ code: 'custom', message: 'must be a size of at least 6m, like 512m or 1g' });
    return z.NEVER;
  }
  return bytes;
});
const pids = z.number().int().min(8).max(4_194_304);
// Docker counts CPU time in billionths of a CPU.
const cpus = z.number().min(0.01).max(1024);

/** Limits as written in the configuration or a job request (memory in Docker's notation). */
export const limitsSchema = z.object({ memory, pids, cpus }).strict();

/** A job's own limits: any of them, each within the administrator's maximum. */
export const limitOverridesSchema = z
  .object({ memory: memory.optional(), pids: pids.optional(), cpus: cpus.optional() })
  .strict();

export type LimitOverrides = z.infer<typeof limitOverridesSchema>;

export function toLimits(v: z.infer<typeof limitsSchema>): ContainerLimits {
  return { memoryBytes: v.memory, pids: v.pids, cpus: v.cpus };
}

/**
 * The limits of a job asking for `asked`: the defaults with its overrides, or the overrides that exceed
 * the maxima (each as a sentence).
 */
export function limitsFor(
  defaults: ContainerLimits,
  maxima: ContainerLimits,
  asked: LimitOverrides | undefined,
): { limits: ContainerLimits } | { problems: string[] } {
  const limits = {
    memoryBytes: asked?.memory ?? defaults.memoryBytes,
    pids: asked?.pids ?? defaults.pids,
    cpus: asked?.cpus ?? defaults.cpus,
  };
  const problems: string[] = [];
  if (asked?.memory !== undefined && asked.memory > maxima.memoryBytes)
    problems.push(`resources.memory: ${asked.memory} bytes is above the maximum of ${maxima.memoryBytes}`);
  if (asked?.pids !== undefined && asked.pids > maxima.pids)
    problems.push(`resources.pids: ${asked.pids} is above the maximum of ${maxima.pids}`);
  if (asked?.cpus !== undefined && asked.cpus > maxima.cpus)
    problems.push(`resources.cpus: ${asked.cpus} is above the maximum of ${maxima.cpus}`);
  return problems.length ? { problems } : { limits };
}

/** The engine's HostConfig fields for a policy. */
export function hostConfigOf(policy: ContainerPolicy) {
  return {
    Memory: policy.limits.memoryBytes,
    // Equal to Memory: no swap on top of the memory limit, so the limit is what the host gives.
    MemorySwap: policy.limits.memoryBytes,
    PidsLimit: policy.limits.pids,
    NanoCpus: Math.round(policy.limits.cpus * 1e9),
    SecurityOpt: policy.security.noNewPrivileges ? ['no-new-privileges'] : [],
    CapDrop: policy.security.capDrop,
  };
}

/** The policy every container gets from the `docker` configuration section, with `limits` as given. */
export function containerPolicy(
  docker: { no_new_privileges: boolean; cap_drop: string[] },
  limits: ContainerLimits,
): ContainerPolicy {
  return { limits, security: { noNewPrivileges: docker.no_new_privileges, capDrop: docker.cap_drop } };
}
