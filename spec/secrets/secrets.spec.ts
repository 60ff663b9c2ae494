import crypto from 'node:crypto';
import { expect } from 'chai';
import { secretsFamily } from '../../src/families/secrets/family';
import { SecretStore } from '../../src/secrets/secret-store';
import { asAdmin, asReader } from '../support/auth';
import { describeOnBothBackends, familyDeps, Harness } from '../support/harness';

const KEY = crypto.createHash('sha256').update('bosun test key').digest();
const store = (h: Harness) => new SecretStore(h.db.knex, KEY);

describeOnBothBackends(
  'secret store and /api/v1/data',
  (h) => {
    const put = (body: object) => h.api.put('/api/v1/data').set('Authorization', asAdmin).send(body);

    it('sets, gets (by name and id) and deletes a secret', async () => {
      const set = await put({ name: '/db/creds', type: 'json', value: { password: 'pw-123456', port: 5432 } }).expect(
        200,
      );
      expect(set.body).to.include({ name: '/db/creds', type: 'json' });
      expect(set.body.value).to.deep.equal({ password: 'pw-123456', port: 5432 });
      const byName = await h.api
        .get('/api/v1/data?name=/db/creds&current=true')
        .set('Authorization', asAdmin)
        .expect(200);
      expect(byName.body.data[0]).to.deep.equal(set.body);
      const byId = await h.api.get(`/api/v1/data/${set.body.id}`).set('Authorization', asAdmin).expect(200);
      expect(byId.body.value.password).to.equal('pw-123456');
      await h.api.delete('/api/v1/data?name=/db/creds').set('Authorization', asAdmin).expect(204);
      const gone = await h.api.get('/api/v1/data?name=/db/creds').set('Authorization', asAdmin).expect(404);
      expect(gone.body.error).to.match(/credential does not exist/);
      await h.api.delete('/api/v1/data?name=/db/creds').set('Authorization', asAdmin).expect(404);
    });

    it('keeps values encrypted at rest, bound to their name', async () => {
      await put({ name: '/plain', type: 'value', value: 'very-plain-text-value' }).expect(200);
      const row = await h.db.knex('secrets').where({ name: '/plain' }).first();
      expect(Buffer.from(row.ciphertext).toString('latin1')).to.not.contain('very-plain-text-value');
      await put({ name: '/other', type: 'value', value: 'x'.repeat(21) }).expect(200);
      await h.db
        .knex('secrets')
        .where({ name: '/other' })
        .update({ ciphertext: row.ciphertext, iv: row.iv, auth_tag: row.auth_tag });
      let failed = false;
      await store(h)
        .get('/other')
        .catch(() => (failed = true));
      expect(failed, 'a ciphertext moved to another name does not decrypt').to.equal(true);
    });

    it('generates a password once and never overwrites it', async () => {
      const first = await h.api
        .post('/api/v1/data')
        .set('Authorization', asAdmin)
        .send({ name: '/gen', type: 'password' })
        .expect(200);
      expect(first.body.value).to.match(/^[A-Za-z0-9]{30}$/);
      const again = await h.api
        .post('/api/v1/data')
        .set('Authorization', asAdmin)
        .send({ name: '/gen', type: 'password', parameters: { length: 12 } })
        .expect(200);
      expect(again.body.value).to.equal(first.body.value);
    });

    it('resolves VAR@path.key refs from json fields and value secrets, and reports what is missing', async () => {
      const s = store(h);
      await s.set('/db/creds', 'json', { password: 'pw', port: 5432 });
      await s.set('/token', 'value', 'tok');
      expect(await s.resolveRef('PASS@db/creds.password')).to.deep.equal({ variable: 'PASS', value: 'pw' });
      expect(await s.resolveRef('PORT@/db/creds.port')).to.deep.equal({ variable: 'PORT', value: '5432' });
      expect(await s.resolveRef('T@token.value')).to.deep.equal({ variable: 'T', value: 'tok' });
      expect(await s.resolveRef('X@db/creds.nope'))
        .to.have.property('missing')
        .that.matches(/no key 'nope'/);
      expect(await s.resolveRef('X@none.key'))
        .to.have.property('missing')
        .that.matches(/no secret named \/none/);
      expect(await s.resolveRef('T@token.other')).to.have.property('missing');
      let error = '';
      await s.resolveRef('not a ref').catch((e) => (error = e.message));
      expect(error).to.match(/malformed secret ref/);
    });

    it('answers bad input with 400 in CredHub shape, and stores nothing', async () => {
      const bad: object[] = [
        { name: 'no-slash', type: 'value', value: 'x' },
        { name: '/x', type: 'value', value: 5 },
        { name: '/x', type: 'json', value: 'not an object' },
        { name: '/x', type: 'certificate', value: 'x' },
        { name: '/x', type: 'value', value: 'x', extra: 1 },
        { name: `/${'a'.repeat(1100)}`, type: 'value', value: 'x' },
        { name: '/bad name!', type: 'value', value: 'x' },
      ];
      for (const body of bad) {
        const res = await put(body).expect(400);
        expect(res.body.error, JSON.stringify(body).slice(0, 80)).to.be.a('string');
      }
      await h.api
        .put('/api/v1/data')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'application/json')
        .send('{"name":')
        .expect(400);
      await h.api
        .put('/api/v1/data')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ name: '/big', type: 'value', value: 'x'.repeat(2 * 1024 * 1024) }))
        .expect(413);
      await h.api.get('/api/v1/data').set('Authorization', asAdmin).expect(400);
      await h.api.get('/api/v1/data/not-an-id').set('Authorization', asAdmin).expect(404);
      expect(
        await h.db
          .knex('secrets')
          .count({ n: '*' })
          .then((r) => Number(r[0].n)),
      ).to.equal(0);
    });

    it('needs credentials (401) and bosh.admin (403)', async () => {
      const anon = await h.api.get('/api/v1/data?name=/x').expect(401);
      expect(anon.body).to.have.property('error');
      const reader = await h.api.get('/api/v1/data?name=/x').set('Authorization', asReader).expect(403);
      expect(reader.body.error).to.match(/bosh\.admin/);
      await h.api
        .put('/api/v1/data')
        .set('Authorization', asReader)
        .send({ name: '/x', type: 'value', value: 'v' })
        .expect(403);
      expect(await store(h).get('/x')).to.equal(null);
    });
  },
  { withFamilies: (h) => [secretsFamily(familyDeps(h, { secrets: store(h) }))] },
);
