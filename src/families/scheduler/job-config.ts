/** A job configuration as stored; the wire shape lives in the presenter. */
export interface JobConfig {
  id: string;
  name: string;
  description: string;
  operation: string;
  /** The operation's params as the client gave them (validated against the operation's schema). */
  params: Record<string, unknown>;
  runAt: string;
  timeZone: string | null;
  runOn: string;
  startDate: Date | null;
  endDate: Date | null;
  disabled: boolean;
  misfire: Misfire;
  allowOverlap: boolean;
  /** The next tick not yet fired; null when disabled or the schedule has ended. */
  nextRunAt: Date | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

/** What happens to ticks missed while no node could fire them: dropped, or one run for all of them. */
export const MISFIRE_POLICIES = ['skip', 'run_once'] as const;
export type Misfire = (typeof MISFIRE_POLICIES)[number];

/** The fields a client may set; everything else about a config is bosun's. */
export type JobConfigFields = Omit<JobConfig, 'id' | 'nextRunAt' | 'createdBy' | 'createdAt' | 'updatedAt'>;
