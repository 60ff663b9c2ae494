import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { expect } from 'chai';
import { secretsFamily } from '../../src/families/secrets/family';
import { containerJobsFamily } from '../../src/families/container-jobs/family';
import { SecretStore } from '../../src/secrets/secret-store';
import { asAdmin } from '../support/auth';
import { familyDeps } from '../support/docker';
import { describeOnBothBackends, Harness } from '../support/harness';

const KEY = crypto.createHash('sha256').update('bosun test key').digest();
const store = (h: Harness) => new SecretStore(h.db.knex, KEY);

describeOnBothBackends(
  'request bodies whose Content-Encoding does not decode',
  (h) => {
    const bodies: Array<[string, Buffer]> = [
      ['gzip', Buffer.from('not compressed at all')],
      ['gzip', zlib.gzipSync(Buffer.from('{"config":{}}')).subarray(0, 12)],
      ['deflate', Buffer.from('not compressed at all')],
      ['br', Buffer.from('not compressed at all')],
    ];

    for (const [method, path] of [
      ['post', '/cleanup'],
      ['post', '/tasks/cancel'],
      ['post', '/v1/api/job'],
      ['put', '/api/v1/data'],
      ['post', '/api/v1/data'],
    ] as const) {
      it(`${method.toUpperCase()} ${path}: 400, nothing stored`, async () => {
        for (const [encoding, body] of bodies) {
          const res = await h.api[method](path)
            .set('Authorization', asAdmin)
            .set('Content-Type', 'application/json')
            .set('Content-Encoding', encoding)
            .serialize((b: Buffer) => b)
            .send(body);
          expect(res.status, `${encoding}: ${res.text}`).to.equal(400);
          expect(res.text).to.match(/Content-Encoding/);
        }
        expect(await h.tasks.list({})).to.have.length(0);
        const [{ n }] = await h.db.knex('secrets').count({ n: '*' });
        expect(Number(n)).to.equal(0);
      });
    }

    it('still reads a body that decodes', async () => {
      const res = await h.api
        .post('/cleanup')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip')
        .serialize((b: Buffer) => b)
        .send(zlib.gzipSync(Buffer.from('{"config":{"remove_all":false}}')));
      expect(res.status, res.text).to.equal(302);
    });
  },
  {
    withFamilies: (h) => [
      secretsFamily(familyDeps(h, { secrets: store(h) })),
      containerJobsFamily(familyDeps(h, { secrets: store(h) })),
    ],
  },
);
