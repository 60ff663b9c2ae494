import { expect } from 'chai';
import { Authenticator } from '../../src/auth/authenticator';
import { LoginLimiter } from '../../src/auth/login-limiter';
import { hashPassword, UNMATCHABLE_HASH } from '../../src/auth/password-hash';
import { UserStore } from '../../src/auth/user-store';

describe('failed-login limits', () => {
  let now = 0;
  const limiter = () => new LoginLimiter({ perSource: 5, perUser: 8, windowSeconds: 10 }, () => now);
  const store = () => new UserStore([{ name: 'ann', scopes: ['bosh.admin'], passwordHash: hashPassword('right') }]);
  beforeEach(() => {
    now = 1_000_000;
  });

  it('holds up a source after its failures, with the seconds to wait, and lets it try again once they pass', async () => {
    const auth = new Authenticator(store(), limiter(), null);
    for (let i = 0; i < 5; i++) expect((await auth.checkPassword('ann', 'wrong', 'a')).kind).to.equal('invalid');
    const held = await auth.checkPassword('ann', 'right', 'a');
    expect(held).to.deep.equal({ kind: 'limited', retryAfterSeconds: 2 });
    now += 2_000;
    expect((await auth.checkPassword('ann', 'right', 'a')).kind).to.equal('user');
  });

  it('holds up a user name tried from many sources, but never credentials verified before', async () => {
    const auth = new Authenticator(store(), limiter(), null);
    expect((await auth.checkPassword('ann', 'right', 'home')).kind).to.equal('user');
    for (let i = 0; i < 8; i++) await auth.checkPassword('ann', 'wrong', `bot-${i}`);
    expect((await auth.checkPassword('ann', 'other', 'bot-9')).kind).to.equal('limited');
    expect((await auth.checkPassword('ann', 'right', 'home')).kind).to.equal('user');
  });

  it('counts checks in flight, so a burst cannot run more scrypts than the limit', async () => {
    const auth = new Authenticator(store(), limiter(), null);
    const kinds = (await Promise.all(Array.from({ length: 12 }, () => auth.checkPassword('ann', 'wrong', 'a')))).map(
      (r) => r.kind,
    );
    expect(kinds.filter((k) => k === 'invalid')).to.have.length(5);
    expect(kinds.filter((k) => k === 'limited')).to.have.length(7);
  });

  it('gives back the tokens of a right password, so logging in never uses up the limit', async () => {
    const users = new UserStore(
      Array.from({ length: 10 }, (_, i) => ({
        name: `u${i}`,
        scopes: ['bosh.read' as const],
        passwordHash: hashPassword('pw'),
      })),
    );
    const auth = new Authenticator(users, limiter(), null);
    for (let i = 0; i < 10; i++) expect((await auth.checkPassword(`u${i}`, 'pw', 'office')).kind).to.equal('user');
  });

  it('checks an unknown name as a known one (scrypt with the same cost either way), without the event loop waiting', async () => {
    // The same cost by construction: the stand-in hash an unknown name is checked against has the very
    // scrypt parameters (N, r, p, key length) of a user's hash, so the check does the same work.
    const params = (hash: string) =>
      hash.split('$').slice(0, 4).join('$') + `$${Buffer.from(hash.split('$')[5], 'base64').length}`;
    expect(params(UNMATCHABLE_HASH)).to.equal(params(hashPassword('any password')));
    const users = store();
    // Off the event loop: while 8 checks (known and unknown names) run, the loop goes on turning.
    let turns = 0;
    let turning = true;
    const turn = () => {
      turns++;
      if (turning) setImmediate(turn);
    };
    setImmediate(turn);
    const checks = Array.from({ length: 8 }, (_, i) => users.verify(i % 2 ? 'ann' : 'nobody', `wrong-${i}`));
    const atStart = turns;
    const results = await Promise.all(checks);
    turning = false;
    expect(results).to.deep.equal(Array(8).fill(null));
    expect(turns - atStart, 'event loop turns while the checks ran').to.be.above(1);
  });
});
