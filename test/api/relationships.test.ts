// Relationship links (API.md §16.3b): `rels` collection metadata gives HAL and SHAL documents one
// `_links.<rel>` per relationship, in compact and full mode, top-level and embedded.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { call, scenarios, type Reply, type Scenario, type TestServer } from '../helpers/server.ts';

const OID = '5d0b3ab3f4c0e3cf3f4bc8e1';
const ALL_DBS = '/mongo/mongo-mounts[1]->{"what":"*","where":"/"}';

const rel = (name: string, type: string, role: string, targetColl: string, refField: string, targetDb?: string) => ({
  rel: name, type, role, 'target-coll': targetColl, 'ref-field': refField, ...(targetDb ? { 'target-db': targetDb } : {}),
});

const RELS = [
  rel('children', 'MANY_TO_MANY', 'OWNING', 'children', '$.children.[*]'),
  rel('kids', 'ONE_TO_MANY', 'OWNING', 'children', 'children'),
  rel('best', 'ONE_TO_ONE', 'OWNING', 'children', 'best'),
  rel('mentor', 'MANY_TO_ONE', 'OWNING', 'people', 'mentor'),
  rel('owner', 'MANY_TO_ONE', 'OWNING', 'users', 'owner', 'other'),
  rel('pets', 'ONE_TO_MANY', 'INVERSE', 'pets', 'parent'),
  rel('pet', 'ONE_TO_ONE', 'INVERSE', 'pets', 'parent'),
  rel('clubs', 'MANY_TO_MANY', 'INVERSE', 'clubs', 'members'),
  rel('teams', 'MANY_TO_ONE', 'INVERSE', 'teams', 'members'),
];

const PARENT_LINKS = {
  children: { href: "/children?filter={'_id':{'$in':[0,1,2]}}" },
  kids: { href: "/children?filter={'_id':{'$in':[0,1,2]}}" },
  best: { href: '/children/1?id_type=NUMBER' },
  mentor: { href: `/people/${OID}` },
  owner: { href: '/other/users/ann' },
  pets: { href: "/pets?filter={'parent':'parent'}" },
  pet: { href: "/pets?filter={'parent':'parent'}" },
  clubs: { href: "/clubs?filter={'members':{'$elemMatch':{'$eq':'parent'}}}" },
  teams: { href: "/teams?filter={'members':{'$elemMatch':{'$eq':'parent'}}}" },
};

// no best, no mentor, no owner: no links for them; children not an array: a warning for kids
const LONER_LINKS = {
  pets: { href: "/pets?filter={'parent':'loner'}" },
  pet: { href: "/pets?filter={'parent':'loner'}" },
  clubs: { href: "/clubs?filter={'members':{'$elemMatch':{'$eq':'loner'}}}" },
  teams: { href: "/teams?filter={'members':{'$elemMatch':{'$eq':'loner'}}}" },
};
const LONER_WARNING = {
  'rh:warnings': [{
    message: "in resource restheart/parents/\"loner\" the ONE_TO_MANY relationship ref-field children should be an array, but it is 5",
    _links: { self: { href: '#warnings' } },
  }],
};

async function setup(srv: TestServer): Promise<void> {
  const writes: Array<[string, string, unknown?]> = [
    ['PUT', '/parents', { rels: RELS }],
    ['POST', '/parents', { _id: 'parent', children: [0, 1, 2], best: 1, mentor: { $oid: OID }, owner: ['ann'] }],
    ['POST', '/parents', { _id: 'loner', children: 5, best: null }],
    ['PUT', '/badrels', { rels: [rel('x', 'SOME_TO_SOME', 'OWNING', 'c', 'f')] }],
    ['POST', '/badrels', { _id: 'b' }],
    ['PUT', '/notarray', { rels: { rel: 'x' } }],
    ['POST', '/notarray', { _id: 'n' }],
    ['PUT', '/oids', { rels: [rel('refs', 'ONE_TO_MANY', 'OWNING', 'things', 'refs'), rel('back', 'ONE_TO_ONE', 'INVERSE', 'things', 'ref')] }],
    ['POST', '/oids', { _id: { $oid: OID }, refs: [{ $oid: OID }, 'a', 2.5] }],
  ];
  for (const [m, p, body] of writes) {
    const r = await call(srv, m, p, { body });
    assert.ok(r.status < 300, `${m} ${p} → ${r.status} ${r.text}`);
  }
}

const linksOf = (r: Reply) => r.json()._links;

const SCENARIOS: Scenario[] = [
  { name: 'HAL compact: a document gets one link per relationship', method: 'GET', path: '/parents/parent?rep=hal', status: 200, check: (r) => assert.deepEqual(linksOf(r), PARENT_LINKS) },
  {
    name: 'HAL full: the relationship links join the document links', method: 'GET', path: '/parents/parent?rep=hal&hal=f', status: 200,
    check: (r) => assert.deepEqual(linksOf(r), {
      self: { href: '/parents/parent' }, 'rh:coll': { href: '/parents' },
      'rh:document': { href: '/parents/{docid}{?id_type}', templated: true }, ...PARENT_LINKS,
    }),
  },
  {
    name: 'SHAL: as HAL for a document', method: 'GET', path: '/parents/parent?rep=pj', status: 200,
    check: (r) => assert.deepEqual(linksOf(r), PARENT_LINKS),
  },
  { name: 'STANDARD: no links', method: 'GET', path: '/parents/parent', status: 200, check: (r) => assert.equal(r.json()._links, undefined) },
  {
    name: 'missing or null references give no link; a non-array *_TO_MANY reference gives a warning',
    method: 'GET', path: '/parents/loner?rep=hal', status: 200,
    check: (r) => {
      assert.deepEqual(linksOf(r), LONER_LINKS);
      assert.deepEqual(r.json()._embedded, LONER_WARNING);
    },
  },
  {
    name: 'embedded documents of a HAL listing carry their links', method: 'GET', path: '/parents?rep=hal', status: 200,
    check: (r) => {
      const docs = r.json()._embedded['rh:doc'];
      assert.deepEqual(docs.map((d: any) => [d._id, d._links]), [['parent', PARENT_LINKS], ['loner', LONER_LINKS]]);
    },
  },
  {
    name: 'embedded documents in full mode: self first, then the relationships', method: 'GET', path: '/parents?rep=hal&hal=f', status: 200,
    check: (r) => assert.deepEqual(r.json()._embedded['rh:doc'][0]._links, { self: { href: '/parents/parent' }, ...PARENT_LINKS }),
  },
  {
    name: 'SHAL listing: items keep their links', method: 'GET', path: '/parents?rep=shal&np', status: 200,
    check: (r) => assert.deepEqual(r.json().map((d: any) => d._links), [PARENT_LINKS, LONER_LINKS]),
  },
  {
    name: 'ids in filters: {$oid}, strings and doubles in single-quoted JSON', method: 'GET', path: `/oids/${OID}?rep=hal`, status: 200,
    check: (r) => assert.deepEqual(linksOf(r), {
      refs: { href: `/things?filter={'_id':{'$in':[{'$oid':'${OID}'},'a',2.5]}}` },
      back: { href: `/things?filter={'ref':{'$oid':'${OID}'}}` },
    }),
  },
  ...[['an unknown type', '/badrels/b'], ['rels not an array', '/notarray/n']].map(([what, path]): Scenario => ({
    name: `invalid rels (${what}): no links, one warning`, method: 'GET', path: `${path}?rep=hal`, status: 200,
    check: (r) => {
      assert.equal(linksOf(r), undefined);
      assert.deepEqual(r.json()._embedded['rh:warnings'].map((w: any) => w.message), [`collection restheart/${path.split('/')[1]} has invalid relationships definition`]);
    },
  })),
];

describe('relationship links on the default mount', () => {
  scenarios({ setup }, SCENARIOS);
});

describe('relationship links with every database mounted', () => {
  scenarios({
    rho: ALL_DBS,
    setup: async (srv) => {
      for (const [m, p, body] of [['PUT', '/db'], ['PUT', '/db/a', { rels: [rel('b', 'ONE_TO_ONE', 'OWNING', 'b', 'b'), rel('c', 'ONE_TO_MANY', 'INVERSE', 'c', 'a', 'db2')] }], ['POST', '/db/a', { _id: 'x', b: 'y' }]] as const) {
        const r = await call(srv, m, p, { body });
        assert.ok(r.status < 300, `${m} ${p} → ${r.status} ${r.text}`);
      }
    },
  }, [
    {
      name: 'links name the database', method: 'GET', path: '/db/a/x?rep=hal', status: 200,
      check: (r) => assert.deepEqual(linksOf(r), { b: { href: '/db/b/y' }, c: { href: "/db2/c?filter={'a':'x'}" } }),
    },
  ]);
});
