/**
 * Differential test of search: generated resources are indexed with indexResource and stored in the
 * embedded engine; generated queries are parsed, compiled to MongoDB filters and run there, and the
 * resulting id sets must equal those of the independent in-memory matcher (the oracle).
 * SEARCH_SEED replays a run.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import type { FilterNode } from '../src/search/ast';
import { compileFilter } from '../src/search/compile';
import { collectionResolver } from '../src/search/compile/resolver';
import { indexResource } from '../src/search/extract';
import { matchesQuery, type MatchDoc, type OracleResolver } from '../src/search/match';
import { parseSearch } from '../src/search/parse';
import { openStore } from '../src/storage/open';
import type { Doc, Store } from '../src/storage/port';
import { BASE_URL, observation, patient, practitioner, questionnaire, riskAssessment } from './helpers/search-data';
import { generateQuery, LAST_UPDATED_SPAN, LAST_UPDATED_START } from './helpers/search-queries';
import { seeded, type Random } from './helpers/search-random';

const SEED = process.env.SEARCH_SEED ? Number(process.env.SEARCH_SEED) : 20_260_125;
const QUERIES = 2500;
const NOW = Date.UTC(2021, 5, 1);

type StoredDoc = MatchDoc & Doc;

/** Every feature the generated queries must exercise at least once (see features()). */
const REQUIRED_FEATURES = [
  ...['string:', 'string:exact', 'string:contains', 'token:', 'token:not', 'token-text', 'of-type', 'in', 'not-in', 'reference-identifier', 'uri:', 'uri:below', 'uri:above', 'composite', 'id', 'missing:true', 'missing:false', 'chain:1', 'chain:2', 'has:1', 'has:2', 'or', 'and-repeated'],
  ...['date', 'number', 'quantity', 'lastUpdated'].flatMap((k) => ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'].map((p) => `${k}:${p}`)),
  ...['reference:id', 'reference:typed', 'reference:url', 'reference:version', 'quantity:system', 'quantity:code-or-unit'],
];

/** The features of one filter node (kind with modifier, prefix or form; nesting depth of chains and _has). */
function features(node: FilterNode, out: Set<string>, depth = { chain: 0, has: 0 }): void {
  const values = 'values' in node ? (node.values as unknown[]) : [];
  if (values.length > 1) out.add('or');
  switch (node.kind) {
    case 'string':
    case 'uri':
      out.add(`${node.kind}:${node.modifier ?? ''}`);
      break;
    case 'token':
      out.add(`token:${node.modifier ?? ''}`);
      break;
    case 'date':
    case 'number':
    case 'lastUpdated':
      for (const v of node.values) out.add(`${node.kind}:${v.prefix}`);
      break;
    case 'quantity':
      for (const v of node.values) {
        out.add(`quantity:${v.prefix}`);
        if (v.system !== undefined) out.add('quantity:system');
        else if (v.code !== undefined) out.add('quantity:code-or-unit');
      }
      break;
    case 'reference':
      for (const v of node.values) {
        out.add(v.url !== undefined ? 'reference:url' : v.type !== undefined ? 'reference:typed' : 'reference:id');
        if (v.version !== undefined) out.add('reference:version');
      }
      break;
    case 'missing':
      out.add(`missing:${node.missing}`);
      break;
    case 'chain':
      out.add(`chain:${depth.chain + 1}`);
      features(node.inner, out, { ...depth, chain: depth.chain + 1 });
      break;
    case 'has':
      out.add(`has:${depth.has + 1}`);
      features(node.inner, out, { ...depth, has: depth.has + 1 });
      break;
    case 'not':
      features(node.inner, out, depth);
      break;
    default:
      out.add(node.kind);
  }
}

const COUNTS: [string, number, (rnd: Random, id: string) => Resource][] = [
  ['Patient', 60, patient],
  ['Practitioner', 20, practitioner],
  ['Observation', 300, observation],
  ['RiskAssessment', 60, riskAssessment],
  ['Questionnaire', 40, questionnaire],
];
const PREFIX: Record<string, string> = { Patient: 'p', Practitioner: 'd', Observation: 'o', RiskAssessment: 'r', Questionnaire: 'q' };
const INDEXES: Record<string, string[]> = {
  Patient: ['sp.gender.c', 'sp.identifier.c', 'sp.general-practitioner.r', 'sp._tag.c'],
  Observation: ['sp.code.c', 'sp.subject.r', 'sp.patient.r', 'sp.status.c'],
  Practitioner: ['sp.identifier.c'],
};

function generateDocs(rnd: Random): Map<string, StoredDoc[]> {
  const out = new Map<string, StoredDoc[]>();
  for (const [type, count, make] of COUNTS) {
    const docs: StoredDoc[] = [];
    for (let i = 1; i <= count; i++) {
      const resource = JSON.parse(JSON.stringify(make(rnd, `${PREFIX[type]}${i}`))) as Resource;
      const { sp, sort } = indexResource(resource, { baseUrl: BASE_URL });
      const lastUpdatedMs = LAST_UPDATED_START + rnd.int(0, LAST_UPDATED_SPAN);
      // A deleted resource's current document keeps no index values, as the repository stores it.
      docs.push(rnd.chance(0.05) ? { _id: resource.id as string, lastUpdatedMs, deleted: true } : { _id: resource.id as string, lastUpdatedMs, deleted: false, sp, sort });
    }
    out.set(type, docs);
  }
  return out;
}

describe('search differential: compiled filters on the embedded engine agree with the oracle', () => {
  let dataDir = '';
  let store: Store;
  let docs: Map<string, StoredDoc[]>;

  beforeAll(async () => {
    console.log(`search differential seed ${SEED} (replay with SEARCH_SEED=${SEED})`);
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-search-diff-'));
    store = await openStore({ dataDir, journalCompactBytes: 64 * 1024 * 1024 });
    docs = generateDocs(seeded(SEED));
    for (const [type, list] of docs) {
      for (const field of INDEXES[type] ?? []) await store.collection(type).createIndex({ [field]: 1 });
      for (const doc of list) await store.collection(type).insertOne(doc);
    }
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it(`returns the same ids for ${QUERIES} generated queries`, async () => {
    const rnd = seeded(SEED + 1);
    const options = { baseUrl: BASE_URL, now: NOW };
    const resolve = collectionResolver((type) => store.collection(type), options);
    const memo = new Map<string, string[]>();
    const oracle: OracleResolver = (type: string, filters: FilterNode[], referencesOf?: string) => {
      const key = JSON.stringify([type, filters, referencesOf]);
      const cached = memo.get(key);
      if (cached) return cached;
      const result = evaluate(type, filters, referencesOf);
      memo.set(key, result);
      return result;
    };
    const evaluate = (type: string, filters: FilterNode[], referencesOf?: string): string[] => {
      const matching = (docs.get(type) ?? []).filter((d) => matchesQuery(d, { filters }, oracle, options));
      if (referencesOf === undefined) return matching.map((d) => d._id);
      return matching.flatMap((d) => (d.sp?.[referencesOf] ?? []).map((v) => (v as { r?: string }).r).filter((r): r is string => r !== undefined));
    };
    const types = [...docs.keys()];
    const mismatches: string[] = [];
    const seen = new Set<string>();
    let nonEmpty = 0;
    let engineMs = 0;
    let partial = 0;
    const started = Date.now();
    for (let i = 0; i < QUERIES; i++) {
      const type = rnd.pick(types);
      const params = generateQuery(rnd, type);
      const { query, ignored } = parseSearch(type, params, { strict: true });
      expect(ignored).toEqual([]);
      for (const f of query.filters) features(f, seen);
      if (Object.values(params).some((v) => v.length > 1)) seen.add('and-repeated');
      const t0 = performance.now();
      const filter = await compileFilter(query, resolve, options);
      const actual = (await store.collection(type).find(filter, { projection: { _id: 1 } })).map((d) => d._id).sort();
      engineMs += performance.now() - t0;
      memo.clear();
      const expected = (docs.get(type) ?? []).filter((d) => matchesQuery(d, query, oracle, options)).map((d) => d._id).sort();
      if (expected.length > 0) nonEmpty++;
      if (expected.length > 0 && expected.length < (docs.get(type) ?? []).filter((d) => !d.deleted).length) partial++;
      if (actual.join() !== expected.join() && mismatches.length < 10) {
        mismatches.push(`${type}?${JSON.stringify(params)}\n  filter ${JSON.stringify(filter)}\n  engine ${actual.join(' ')}\n  oracle ${expected.join(' ')}`);
      }
    }
    console.log(`search differential: ${QUERIES} queries in ${Date.now() - started} ms (compile + engine ${Math.round(engineMs)} ms); ${nonEmpty} non-empty, ${partial} selective`);
    expect(mismatches).toEqual([]);
    expect(REQUIRED_FEATURES.filter((f) => !seen.has(f))).toEqual([]);
    expect(nonEmpty).toBeGreaterThan(QUERIES * 0.3);
    expect(partial).toBeGreaterThan(QUERIES * 0.25);
  }, 120_000);
});
