/**
 * Rewrites R4 SearchParameter FHIRPath expressions into what Relay evaluates at write time: one
 * resource type's union branches, `as` turned into `ofType` (R4's `X as T` errors on collections of
 * more than one element; every server reads it as a filter), and `.where(resolve() is T)` turned into
 * a target restriction, since resolve() cannot run while a resource is being written.
 */

/** One union branch for one resource type; `restrictTo` set when the branch used `resolve() is T`. */
export interface Branch {
  expression: string;
  restrictTo?: string[];
}

const ABSTRACT_BASES = new Set(['Resource', 'DomainResource']);
const RESOLVE_IS = /\.where\(resolve\(\) is ([A-Za-z]+)\)/g;

/** Splits a FHIRPath expression at its top-level `|` operators (not inside parentheses, brackets or strings). */
export function splitUnion(expression: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "'" || c === '`') i = skipQuoted(expression, i);
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === '|' && depth === 0) {
      out.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(expression.slice(start).trim());
  return out.filter((b) => b !== '');
}

/**
 * The branches of `expression` that apply to `resourceType`: those starting with `T.`, `(T.` or
 * being `T` alone; a branch on Resource/DomainResource is rebased onto T; a branch with no type
 * prefix (R4 InsurancePlan-name is `name | alias`) is taken as relative to T.
 */
export function branchesFor(resourceType: string, expression: string): Branch[] {
  const out: Branch[] = [];
  for (const raw of splitUnion(expression)) {
    const head = headIdentifier(raw);
    let branch = raw;
    if (head !== undefined && ABSTRACT_BASES.has(head)) branch = rebase(raw, head, resourceType);
    else if (head === undefined || /^[a-z]/.test(head)) branch = `${resourceType}.${raw}`;
    else if (head !== resourceType) continue;
    out.push(rewriteBranch(branch));
  }
  return out;
}

/** Applies the `as` → `ofType` rewrite to a relative expression (composite components). */
export function rewriteAs(expression: string): string {
  let out = expression.replace(/\.as\(([A-Za-z]+)\)/g, '.ofType($1)');
  for (;;) {
    const next = out.replace(/\(([^()|]+?) as ([A-Za-z]+)\)/g, '$1.ofType($2)');
    if (next === out) break;
    out = next;
  }
  const bare = /^([^()|]+?) as ([A-Za-z]+)$/.exec(out);
  return bare ? `${bare[1]}.ofType(${bare[2]})` : out;
}

/** True when an expression still calls resolve() (which cannot be evaluated at write time). */
export function usesResolve(expression: string): boolean {
  return /\bresolve\(\)/.test(expression);
}

function rewriteBranch(branch: string): Branch {
  const targets: string[] = [];
  const expression = rewriteAs(branch).replace(RESOLVE_IS, (_m, type: string) => {
    targets.push(type);
    return '';
  });
  return targets.length ? { expression, restrictTo: [...new Set(targets)] } : { expression };
}

function headIdentifier(branch: string): string | undefined {
  return /^\(*\s*([A-Za-z][A-Za-z0-9_]*)/.exec(branch)?.[1];
}

function rebase(branch: string, head: string, resourceType: string): string {
  return branch.replace(new RegExp(`^(\\(*\\s*)${head}\\b`), `$1${resourceType}`);
}

function skipQuoted(text: string, open: number): number {
  const quote = text[open];
  let i = open + 1;
  while (i < text.length && text[i] !== quote) i += text[i] === '\\' ? 2 : 1;
  return i;
}
