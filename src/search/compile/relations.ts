/**
 * Chaining and reverse chaining (R4 search.html "Chained parameters", "Reverse chaining") through
 * the resolver (contract in ../ast.ts): the inner query runs first, and its result becomes a set of
 * references or ids for this one.
 */
import type { Filter } from '../../storage/port';
import type { ChainFilter, HasFilter, Resolver } from '../ast';
import { spField } from './fields';

/** `ref:Type.inner`: the reference is one of the matching `Type` resources. */
export async function compileChain(node: ChainFilter, resolve: Resolver): Promise<Filter> {
  const ids = await resolve(node.targetType, [node.inner]);
  return { [spField(node.param.code, 'r')]: { $in: ids.map((id) => `${node.targetType}/${id}`) } };
}

/** `_has:Source:ref:inner`: this resource's id is referred to by a matching `Source` resource. */
export async function compileHas(node: HasFilter, resolve: Resolver): Promise<Filter> {
  const refs = await resolve(node.sourceType, [node.inner], node.sourceParam.code);
  const prefix = `${node.targetType}/`;
  const ids = refs.filter((r) => r.startsWith(prefix) && !r.includes('/', prefix.length)).map((r) => r.slice(prefix.length));
  return { _id: { $in: [...new Set(ids)] } };
}
