/**
 * PUT /orgs with a client secret is all or nothing: a request refused for its If-Match (412) or
 * its lost version race writes no secret, and of two concurrent accepted writes the org's fields
 * and its secret come from the same one (review: a refused PUT had changed the stored secret).
 */
import { ORG_IDS, ORGS, startHarness, type Harness } from '../support/harness.js';

const HZ = { ...ORGS[0]!, orgId: ORG_IDS[0]! };

describe('PUT /orgs/{orgId}: the secret follows the org write that won', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  const put = async (body: object, ifMatch?: string) => {
    const r = await h.stack.http(
      'PUT',
      `/orgs/${HZ.orgId}`,
      {
        'content-type': 'application/json',
        authorization: `Bearer ${h.operator}`,
        ...(ifMatch ? { 'if-match': ifMatch } : {}),
      },
      JSON.stringify(body),
    );
    return r.status;
  };
  const auth = () => `Bearer ${h.operator}`;
  const storedSecret = () => h.stack.secrets.get(`org/${HZ.orgId}/client-secret`);

  it('a request refused with 412 leaves the secret of the one accepted', async () => {
    const read = await h.stack.http('GET', `/orgs/${HZ.orgId}`, { authorization: auth() }, '');
    const etag = read.headers.etag!;

    const statuses = await Promise.all([
      put({ clientSecret: HZ.clientSecret, orgName: 'accepted' }, etag),
      put({ clientSecret: 'WRONG-secret-0', orgName: 'refused' }, etag),
    ]);

    expect([...statuses].sort()).toEqual([200, 412]);
    const winner = statuses[0] === 200 ? HZ.clientSecret : 'WRONG-secret-0';
    expect(await storedSecret()).toBe(winner);
  });

  const twenty = 'twenty concurrent writes without If-Match: the secret is the last org write’s';
  it(twenty, async () => {
    const bodies = Array.from({ length: 20 }, (_, i) => ({
      orgName: `name-${i}`,
      clientSecret: `secret-${i}`,
    }));

    const statuses = await Promise.all(bodies.map((b) => put(b)));

    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    const org = JSON.parse(
      (await h.stack.http('GET', `/orgs/${HZ.orgId}`, { authorization: auth() }, '')).body,
    ) as { orgName: string };
    expect(await storedSecret()).toBe(`secret-${org.orgName.slice('name-'.length)}`);
  });
});
