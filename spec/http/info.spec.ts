import { expect } from 'chai';
import { describeOnBothBackends } from '../support/harness';
import { asAdmin, asReader, withWrongPassword } from '../support/auth';

describeOnBothBackends('GET /info', (h) => {
  it('answers without credentials, with user null and basic authentication', async () => {
    const res = await h.api.get('/info').expect(200);
    expect(res.body).to.include({ name: 'bosun-test', user: null, cpi: 'docker' });
    expect(res.body.user_authentication).to.deep.equal({ type: 'basic', options: {} });
    expect(res.body.version).to.be.a('string');
    for (const value of Object.values(res.body.features)) {
      expect(value).to.be.an('object').with.property('status').that.is.a('boolean');
    }
  });

  it('names the user only for valid credentials', async () => {
    expect((await h.api.get('/info').set('Authorization', asAdmin)).body.user).to.equal('admin');
    expect((await h.api.get('/info').set('Authorization', asReader)).body.user).to.equal('reader');
    const bad = await h.api.get('/info').set('Authorization', withWrongPassword).expect(200);
    expect(bad.body.user).to.equal(null);
    expect(bad.headers['www-authenticate']).to.equal(undefined);
  });
});
