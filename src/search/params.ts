/** Search parameter definitions as the registry serves them (R4 SearchParameter, resolved per resource type). */

export type ParamType = 'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri' | 'composite' | 'special';

export interface SearchParamDef {
  /** SearchParameter.code, e.g. "subject", "code-value-quantity", "_tag". */
  code: string;
  type: ParamType;
  /** Canonical URL of the SearchParameter resource. */
  url: string;
  /** The resource type this definition was resolved for. */
  resourceType: string;
  /**
   * The FHIRPath for this resource type only: union branches of other types removed, and
   * `.where(resolve() is X)` replaced by a target restriction (see `targets`).
   */
  expression: string;
  /** reference: the target types this parameter may point at (after any resolve() restriction). */
  targets?: string[];
  /** composite: the component parameters and the FHIRPath of each, relative to the element. */
  components?: { code: string; type: ParamType; expression: string }[];
  description?: string;
}
