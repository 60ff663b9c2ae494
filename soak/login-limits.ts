/**
 * The bad-input part's failed logins, last (they hold back this source for a while): wrong passwords
 * for one user must be answered 429 with Retry-After once past the limit, never 5xx, and the right
 * password must work again once Retry-After has passed (a limit, not a lock-out).
 */
import type { CheckResult } from './checks';
import type { SoakCluster, SoakNode } from './cluster';
import { basicAuth } from './http-client';
import { SOAK_READER } from './cluster';

export async function loginLimits(cluster: SoakCluster, node: SoakNode): Promise<CheckResult[]> {
  const problems: string[] = [];
  let limitedAfter = 0;
  let retryAfter = 0;
  for (let attempt = 1; attempt <= 200 && !limitedAfter; attempt++) {
    const reply = await node.client!.request('GET', '/tasks?limit=1', {
      auth: basicAuth(SOAK_READER.name, `wrong-${attempt}`),
    });
    if (reply.status === 429) {
      limitedAfter = attempt;
      retryAfter = Number(reply.headers['retry-after']);
      if (!(retryAfter > 0)) problems.push(`429 without a Retry-After (${String(reply.headers['retry-after'])})`);
    } else if (reply.status !== 401) problems.push(`wrong password ${attempt} → ${reply.status}`);
  }
  if (!limitedAfter) problems.push('200 wrong passwords and never a 429');
  else {
    await new Promise((r) => setTimeout(r, (retryAfter + 1) * 1000));
    const right = await node.client!.request('GET', '/tasks?limit=1', { auth: cluster.reader });
    if (right.status !== 200) problems.push(`the right password after Retry-After (${retryAfter} s) → ${right.status}`);
  }
  return [
    {
      name: 'bad input: failed logins are limited (429, Retry-After), and the right password works once it passes',
      ok: problems.length === 0,
      detail: problems.join('; ') || `429 after ${limitedAfter} wrong passwords, Retry-After ${retryAfter} s, then 200`,
    },
  ];
}
