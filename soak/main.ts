/**
 * npm run soak: two bosun nodes on one PostgreSQL database under a mixed load with cancels, kills and
 * a SIGKILLed node, then a stream of malformed requests; prints its figures and each check, and exits
 * non-zero when a check fails. Settings: BOSUN_SOAK_DATABASE_URL, SOAK_SECONDS, SOAK_RATE, SOAK_SEED.
 */
import { killEveryNode } from './cluster';
import { runSoak } from './soak';

const env = process.env;

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killEveryNode();
    process.exit(130);
  });
}

runSoak({
  databaseUrl: env.BOSUN_SOAK_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/bosun_soak',
  seed: Number(env.SOAK_SEED ?? Date.now() % 1_000_000),
  loadMs: Number(env.SOAK_SECONDS ?? 120) * 1000,
  tasksPerSecond: Number(env.SOAK_RATE ?? 6),
  cancelShare: 0.15,
  downForMs: 8_000,
  badInputPerRoute: Number(env.SOAK_BAD_PER_ROUTE ?? 40),
  print: (line) => console.log(line),
})
  .then((r) => process.exit(r.ok ? 0 : 1))
  .catch((err) => {
    console.error(err);
    process.exit(2);
  });
