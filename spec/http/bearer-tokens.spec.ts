import { expect } from 'chai';
import { SignJWT } from 'jose';
import { TokenService } from '../../src/auth/token-service';
import { ADMIN, describeOnBothBackends, READER, users } from '../support/harness';

describeOnBothBackends('bearer tokens (/api/v1/auth/tokens)', (h) => {
  const login = (u: { name: string; password: string }) =>
    h.api.post('/api/v1/auth/tokens').send({ grant_type: 'password', username: u.name, password: u.password });

  it("issues a short-lived JWT and a refresh token for a user's password, in CipherTrust's shape", async () => {
    const res = await login(ADMIN).expect(200);
    expect(res.body).to.have.keys('jwt', 'duration', 'token_type', 'refresh_token', 'refresh_token_id');
    expect(res.body).to.include({ duration: 300, token_type: 'Bearer' });
    const bearer = `Bearer ${res.body.jwt}`;
    await h.api.get('/tasks').set('Authorization', bearer).expect(200);
    await h.api
      .get('/v1/api/job')
      .set('Authorization', bearer)
      .expect((r) => expect(r.status).not.to.equal(401));
    await h.api.post('/cleanup').set('Authorization', bearer).send({}).expect(302);
    await h.api.get('/tasks').set('X-Auth-Token', res.body.jwt).expect(200);
  });

  it("gives a read-only user's token reads only", async () => {
    const { jwt } = (await login(READER).expect(200)).body;
    await h.api.get('/tasks').set('Authorization', `Bearer ${jwt}`).expect(200);
    const refused = await h.api.post('/cleanup').set('Authorization', `Bearer ${jwt}`).send({}).expect(401);
    expect(refused.body.code).to.equal(600000);
    await h.api.get('/api/v1/data?name=/x').set('Authorization', `Bearer ${jwt}`).expect(403);
    expect(await h.tasks.list({})).to.have.length(0);
  });

  it("refuses wrong passwords, bad grants and unknown fields with 4xx in CipherTrust's shape", async () => {
    const wrong = await login({ name: ADMIN.name, password: 'nope' }).expect(401);
    expect(wrong.body).to.have.keys('code', 'codeDesc', 'message', 'requestID');
    expect(wrong.body.codeDesc).to.match(/^NCERR/);
    await h.api.post('/api/v1/auth/tokens').send({ grant_type: 'client_credentials' }).expect(400);
    await h.api
      .post('/api/v1/auth/tokens')
      .send({ grant_type: 'password', username: 'a', password: 'b', extra: 1 })
      .expect(400);
    await h.api.post('/api/v1/auth/tokens').set('Content-Type', 'text/plain').send('x').expect(415);
    await h.api.post('/api/v1/auth/tokens').set('Content-Type', 'application/json').send('{').expect(400);
  });

  it('refreshes an access token until the refresh token is revoked, by id or by user', async () => {
    const first = (await login(ADMIN).expect(200)).body;
    const refreshed = (
      await h.api
        .post('/api/v1/auth/tokens')
        .send({ grant_type: 'refresh_token', refresh_token: first.refresh_token })
        .expect(200)
    ).body;
    await h.api.get('/tasks').set('Authorization', `Bearer ${refreshed.jwt}`).expect(200);

    const listed = (await h.api.get('/api/v1/auth/tokens').set('Authorization', `Bearer ${refreshed.jwt}`).expect(200))
      .body;
    expect(listed.resources.map((r: { id: string }) => r.id)).to.include(first.refresh_token_id);
    expect(JSON.stringify(listed)).not.to.include(first.refresh_token);

    await h.api
      .delete(`/api/v1/auth/tokens/${first.refresh_token_id}`)
      .set('Authorization', `Bearer ${refreshed.jwt}`)
      .expect(204);
    await h.api
      .post('/api/v1/auth/tokens')
      .send({ grant_type: 'refresh_token', refresh_token: first.refresh_token })
      .expect(401);

    const second = (await login(READER).expect(200)).body;
    const { jwt: readerJwt } = second;
    await h.api.delete('/api/v1/auth/tokens?user=reader').set('Authorization', `Bearer ${readerJwt}`).expect(403);
    await h.api.delete('/api/v1/auth/tokens?user=reader').set('Authorization', `Bearer ${refreshed.jwt}`).expect(204);
    await h.api
      .post('/api/v1/auth/tokens')
      .send({ grant_type: 'refresh_token', refresh_token: second.refresh_token })
      .expect(401);
  });

  it('is accepted by every node sharing the database, and refused when forged or expired', async function () {
    this.timeout(20_000);
    const nodeA = await TokenService.open(h.db.knex, users, { accessSeconds: 300, refreshSeconds: 60 });
    const nodeB = await TokenService.open(h.db.knex, users, { accessSeconds: 1, refreshSeconds: 60 });
    const { jwt } = await nodeA.issue({ name: 'admin', scopes: ['bosh.admin'] });
    expect(await nodeB.verify(jwt)).to.deep.equal({ name: 'admin', scopes: ['bosh.admin'] });

    const forged = await new SignJWT({ scopes: ['bosh.admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('admin')
      .setIssuer('bosun')
      .setExpirationTime('5m')
      .sign(new Uint8Array(32));
    await h.api.get('/tasks').set('Authorization', `Bearer ${forged}`).expect(401);
    await h.api.get('/tasks').set('Authorization', 'Bearer not.a.jwt').expect(401);

    const shortLived = (await nodeB.issue({ name: 'admin', scopes: ['bosh.admin'] })).jwt;
    expect(await nodeA.verify(shortLived)).not.to.equal(null);
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await nodeA.verify(shortLived)).to.equal(null);
  });
});

describeOnBothBackends('too many failed logins', (h) => {
  const basic = (name: string, password: string) => `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`;

  it("answers 429 with Retry-After in each family's shape, while credentials verified before still work", async function () {
    this.timeout(60_000);
    await h.api.get('/tasks').set('Authorization', basic(ADMIN.name, ADMIN.password)).expect(200);
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++)
      statuses.push((await h.api.get('/tasks').set('Authorization', basic('ghost', `guess-${i}`))).status);
    expect(statuses.slice(0, 20)).to.deep.equal(Array(20).fill(401));
    const director = await h.api.get('/tasks').set('Authorization', basic('ghost', 'again')).expect(429);
    expect(Number(director.headers['retry-after'])).to.be.at.least(1);
    expect(director.body).to.have.keys('code', 'description');
    const gostint = await h.api.get('/v1/api/job').set('Authorization', basic('ghost', 'again')).expect(429);
    expect(gostint.body).to.have.keys('status', 'error');
    const credhub = await h.api.get('/api/v1/data?name=/x').set('Authorization', basic('ghost', 'again')).expect(429);
    expect(credhub.body).to.have.keys('error');
    const tokens = await h.api
      .post('/api/v1/auth/tokens')
      .send({ grant_type: 'password', username: 'ghost', password: 'again' })
      .expect(429);
    expect(tokens.body).to.have.keys('code', 'codeDesc', 'message', 'requestID');
    const info = await h.api.get('/info').set('Authorization', basic('ghost', 'again')).expect(200);
    expect(info.body.user).to.equal(null);
    await h.api.get('/tasks').set('Authorization', basic(ADMIN.name, ADMIN.password)).expect(200);
  });
});
