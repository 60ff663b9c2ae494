import { expect } from 'chai';
import { z } from 'zod';
import type { AppContext } from '../../src/http/context';
import { InputProblem, queryFlag, queryOnce, queryText, withBody, withInput } from '../../src/http/validate';

/** The part of a Koa context withInput reads. */
const contextOf = (query: Record<string, string | string[]>, body?: unknown) =>
  ({ query, request: { body } }) as unknown as AppContext;

class Refused extends Error {
  constructor(readonly problem: InputProblem) {
    super(problem.message);
  }
}
const refuse = (p: InputProblem) => new Refused(p);

async function refusal(run: Promise<void>): Promise<InputProblem> {
  try {
    await run;
  } catch (err) {
    if (err instanceof Refused) return err.problem;
    throw err;
  }
  throw new Error('the input was not refused');
}

describe("a route's input checked in one place (withInput)", () => {
  const query = z.object({
    format: queryText,
    force: queryFlag,
    state: queryText.pipe(z.enum(['started', 'stopped'], 'must be started or stopped').optional()),
  });
  const body = z.object({ name: z.string(), size: z.number().int().optional() }).strict();

  it('gives the handler its query and body as the schemas parse them', async () => {
    let seen: unknown;
    const route = withInput({ query, body }, refuse, (_ctx, input) => {
      seen = input;
      return Promise.resolve();
    });
    await route(contextOf({ format: ['full', 'short'], force: 'yes', state: 'started' }, { name: 'web' }));
    expect(seen).to.deep.equal({
      query: { format: 'full', force: true, state: 'started' },
      body: { name: 'web' },
    });
  });

  it('reads a missing query parameter as absent and a missing body as {}', async () => {
    let seen: unknown;
    const route = withInput({ query, body: z.object({ a: z.string().optional() }) }, refuse, (_ctx, input) => {
      seen = input;
      return Promise.resolve();
    });
    await route(contextOf({}));
    expect(seen).to.deep.equal({ query: { force: false }, body: {} });
  });

  it("refuses a bad query with the schema's own message, naming the field, and does not run the handler", async () => {
    let ran = false;
    const route = withInput({ query, body }, refuse, () => {
      ran = true;
      return Promise.resolve();
    });
    const p = await refusal(route(contextOf({ state: 'asleep' }, { name: 'web' })));
    expect(p).to.include({ part: 'query', field: 'state', message: 'must be started or stopped' });
    expect(ran).to.equal(false);
  });

  it('checks the query before the body, and sums up a bad body field by field', async () => {
    const route = withInput({ query, body }, refuse, () => Promise.resolve());
    expect(await refusal(route(contextOf({ state: 'asleep' }, { size: 'big' })))).to.include({ part: 'query' });
    const p = await refusal(route(contextOf({}, { size: 1.5, extra: true })));
    expect(p.part).to.equal('body');
    expect(p.summary).to.match(/^name: .+; size: .+; body: .+extra/);
  });

  it('withBody hands the parsed body itself to the handler', async () => {
    let seen: unknown;
    const route = withBody(body, refuse, (_ctx, b) => {
      seen = b;
      return Promise.resolve();
    });
    await route(contextOf({}, { name: 'db', size: 2 }));
    expect(seen).to.deep.equal({ name: 'db', size: 2 });
    expect(await refusal(route(contextOf({}, { name: 3 })))).to.include({ part: 'body', field: 'name' });
  });

  it('queryOnce refuses a repeated parameter with the given message', async () => {
    const route = withInput({ query: z.object({ run: queryOnce('given more than once') }) }, refuse, () =>
      Promise.resolve(),
    );
    await route(contextOf({ run: 'now' }));
    await route(contextOf({}));
    expect(await refusal(route(contextOf({ run: ['now', 'inspect'] })))).to.include({
      field: 'run',
      message: 'given more than once',
    });
  });
});
