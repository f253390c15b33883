/**
 * A Resolver (contract in ../ast.ts) that runs chain and `_has` subqueries against collections of
 * the storage port, compiling them with the same compiler. Callers that need per-request access
 * rules wrap it (or write their own against the same contract).
 */
import type { Collection } from '../../storage/port';
import type { Resolver } from '../ast';
import type { ReferenceValue } from '../index-values';
import { spField } from './fields';
import { compileFilter, type CompileOptions } from './index';

/** Resolves subqueries on `collectionFor(type)` (the current-version collection of a type). */
export function collectionResolver(collectionFor: (type: string) => Collection, options: CompileOptions): Resolver {
  const fixed: CompileOptions = { ...options, now: options.now ?? Date.now() };
  const resolve: Resolver = async (type, filters, referencesOf) => {
    const filter = await compileFilter({ filters }, resolve, fixed);
    const collection = collectionFor(type);
    if (referencesOf === undefined) return (await collection.find(filter, { projection: { _id: 1 } })).map((d) => d._id);
    const docs = await collection.find(filter, { projection: { [spField(referencesOf)]: 1 } });
    const refs = new Set<string>();
    for (const doc of docs) {
      const sp = doc.sp as Record<string, ReferenceValue[] | undefined> | undefined;
      for (const value of sp?.[referencesOf] ?? []) if (typeof value.r === 'string') refs.add(value.r);
    }
    return [...refs];
  };
  return resolve;
}
