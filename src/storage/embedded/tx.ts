/**
 * One unit of writing: an overlay layer on top of committed + pending state that collects changes
 * (and the journal ops recording them) until the store commits it as one record. Every rule is
 * enforced at the moment of each write: unique _id, unique indexes, replaceOne filter semantics.
 */
import { checkDepth, checkSize, MAX_BYTES } from '../limits';
import { DuplicateKeyError, type Doc, type Filter, type Sort } from '../port';
import { describeKey, makeIndexSpec, uniqueKeys } from './indexes';
import { getEntry, select, type SelectOptions } from './select';
import type { Layer, Op, State } from './state';
import type { Table } from './table';
import { SharedParts } from './frozen';
import { docJson } from './spill';

export class WriteTx {
  readonly overlay: Layer = new Map();
  readonly ops: Op[] = [];
  /** The current and the history document of a resource hold the same caller object: stored once. */
  private readonly shared: SharedParts;

  constructor(private readonly state: State) {
    this.shared = new SharedParts(state.strings, state.spill);
  }

  /** The tables for `name` as this transaction sees them, bottom first. */
  layers(name: string): Table[] {
    return this.state.layers(name, true, this.overlay);
  }

  read(name: string, filter: Filter, options?: SelectOptions): Doc[] {
    return select(this.layers(name), filter, options);
  }

  insertOne(name: string, doc: Doc): void {
    const stored = this.normalize(name, doc);
    const layers = this.layers(name);
    if (getEntry(layers, stored._id)) throw new DuplicateKeyError(name, `{ _id: ${JSON.stringify(stored._id)} }`);
    this.checkUnique(name, layers, stored);
    this.put(name, stored, this.state.nextSeq++);
  }

  replaceOne(name: string, filter: Filter, doc: Doc, upsert: boolean): { matchedCount: number; upsertedCount: number } {
    const layers = this.layers(name);
    const [match] = select(layers, filter, { limit: 1 });
    if (!match) {
      if (!upsert) return { matchedCount: 0, upsertedCount: 0 };
      this.insertOne(name, doc);
      return { matchedCount: 0, upsertedCount: 1 };
    }
    const stored = this.normalize(name, doc);
    if (stored._id !== match._id) throw new Error(`replaceOne in ${name} may not change _id (${JSON.stringify(match._id)} to ${JSON.stringify(stored._id)})`);
    this.checkUnique(name, layers, stored);
    this.put(name, stored, (getEntry(layers, match._id) as { seq: number }).seq);
    return { matchedCount: 1, upsertedCount: 0 };
  }

  delete(name: string, filter: Filter, many: boolean): number {
    const layers = this.layers(name);
    const matches = select(layers, filter, many ? {} : { limit: 1 });
    if (matches.length === 0) return 0;
    const top = this.state.table(this.overlay, name);
    for (const doc of matches) {
      top.set(doc._id, { doc: null, seq: 0, lsn: 0 });
      this.ops.push({ o: 'del', c: name, id: doc._id });
    }
    return matches.length;
  }

  /** Declares an index, first checking that existing documents satisfy a unique one. */
  createIndex(name: string, keys: Sort, unique: boolean): void {
    const spec = makeIndexSpec(keys, unique);
    if (spec.fields.length === 1 && spec.fields[0] === '_id') return;
    const existing = this.state.schemas.get(name)?.specs.find((s) => s.name === spec.name);
    if (existing) {
      if (existing.unique !== unique) throw new Error(`index ${spec.name} on ${name} already exists with unique: ${existing.unique}`);
      return;
    }
    if (unique) {
      const owners = new Map<string, string>();
      for (const doc of this.read(name, {})) {
        for (const key of uniqueKeys(doc, spec)) {
          if (owners.has(key)) throw new DuplicateKeyError(name, describeKey(spec, key));
          owners.set(key, doc._id);
        }
      }
    }
    this.state.declareIndex(name, spec, [this.overlay]);
    this.ops.push({ o: 'index', c: name, keys: spec.keys, unique });
  }

  /** Collection names visible to this transaction. */
  collectionNames(): string[] {
    const names = new Set([...this.state.committed.keys(), ...this.state.pending.keys(), ...this.overlay.keys()]);
    return [...names].sort();
  }

  private put(name: string, doc: Doc, seq: number): void {
    const table = this.state.table(this.overlay, name);
    // A document inserted again after its deletion comes last in natural order: last in the table too.
    if (table.entries.get(doc._id)?.doc === null) table.delete(doc._id);
    table.set(doc._id, { doc, seq, lsn: 0 });
    this.ops.push({ o: 'put', c: name, doc, seq });
  }

  /**
   * The stored form of a caller's document (frozen.ts): what the journal will replay (a JSON round
   * trip), frozen, sharing its strings, and parts that an earlier document of this unit holds too.
   */
  private normalize(name: string, doc: Doc): Doc {
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new TypeError('a document must be an object');
    if (typeof doc._id !== 'string' || doc._id === '') throw new TypeError('a document needs a non-empty string _id');
    checkDepth(name, doc);
    const { value, maxJsonBytes } = this.shared.copy(doc);
    // Measured exactly only when the bound says it could be over the limit.
    if (maxJsonBytes > MAX_BYTES) checkSize(name, doc._id, docJson(value));
    return value;
  }

  private checkUnique(name: string, layers: readonly Table[], doc: Doc): void {
    const schema = this.state.schemas.get(name);
    if (!schema) return;
    for (const spec of schema.specs) {
      if (!spec.unique) continue;
      for (const key of uniqueKeys(doc, spec)) {
        for (let i = layers.length - 1; i >= 0; i--) {
          const owner = layers[i].uniqueOwner(spec, key);
          if (owner === undefined || owner === doc._id || shadowedAbove(layers, i, owner)) continue;
          throw new DuplicateKeyError(name, describeKey(spec, key));
        }
      }
    }
  }
}

function shadowedAbove(layers: readonly Table[], i: number, id: string): boolean {
  for (let j = i + 1; j < layers.length; j++) if (layers[j].entries.has(id)) return true;
  return false;
}
