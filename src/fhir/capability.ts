/**
 * CapabilityStatement generation (R4 capabilitystatement.html): built from what is registered
 * (resource types, interactions, search parameters, operations), never written by hand.
 */
import type { CapabilityStatement, CapabilityStatementRestResource, CapabilityStatementRestSecurity } from '@medplum/fhirtypes';

export interface CapabilityFacts {
  baseUrl: string;
  software: { name: string; version: string };
  /** When the server started: the statement's date. */
  startedAt: string;
  resourceTypes: readonly string[];
  /** `conditional`: the entry serves the conditional form of its interaction (create, update, delete). */
  interactions: readonly { code: string; level: 'system' | 'type' | 'instance'; conditional?: boolean }[];
  /** What a conditional delete may remove, when one is registered: one resource, or several (config). */
  conditionalDelete: 'single' | 'multiple';
  /** Search parameters per resource type (empty until search registers some). */
  searchParams: (type: string) => { name: string; type: string; definition?: string; documentation?: string }[];
  /** Operations: system-level ones and per-type ones. */
  operations: readonly { name: string; definition: string; types?: readonly string[] }[];
  formats: readonly string[];
  /** How clients authorize (rest.security), when the server requires tokens. */
  security?: CapabilityStatementRestSecurity;
}

/** The CapabilityStatement describing exactly `facts`. */
export function buildCapabilityStatement(facts: CapabilityFacts): CapabilityStatement {
  const typeCodes = [...new Set(facts.interactions.filter((i) => i.level !== 'system').map((i) => i.code))];
  const systemCodes = [...new Set(facts.interactions.filter((i) => i.level === 'system' && i.code !== 'capabilities').map((i) => i.code))];
  const has = (code: string) => typeCodes.includes(code);
  const conditional = (code: string) => facts.interactions.some((i) => i.code === code && i.conditional === true);
  const resource: CapabilityStatementRestResource[] = facts.resourceTypes.map((type) => {
    const searchParam = facts.searchParams(type);
    const operation = facts.operations.filter((o) => o.types?.includes(type)).map(({ name, definition }) => ({ name, definition }));
    return {
      type: type as CapabilityStatementRestResource['type'],
      profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
      interaction: typeCodes.map((code) => ({ code })) as CapabilityStatementRestResource['interaction'],
      versioning: 'versioned-update',
      readHistory: has('vread'),
      updateCreate: has('update'),
      conditionalCreate: conditional('create'),
      conditionalUpdate: conditional('update'),
      conditionalDelete: conditional('delete') ? facts.conditionalDelete : 'not-supported',
      ...(searchParam.length ? { searchParam: searchParam as CapabilityStatementRestResource['searchParam'] } : {}),
      ...(operation.length ? { operation } : {}),
    };
  });
  const systemOperations = facts.operations.filter((o) => !o.types).map(({ name, definition }) => ({ name, definition }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: facts.startedAt,
    publisher: 'Relay',
    kind: 'instance',
    software: facts.software,
    implementation: { description: 'Relay: FHIR R4 store-and-forward server for asynchronous telemedicine', url: facts.baseUrl },
    fhirVersion: '4.0.1',
    format: [...facts.formats],
    rest: [
      {
        mode: 'server',
        documentation: 'All interactions are served under this base URL; every error is an OperationOutcome.',
        ...(facts.security ? { security: facts.security } : {}),
        resource,
        interaction: systemCodes.map((code) => ({ code })) as NonNullable<CapabilityStatement['rest']>[number]['interaction'],
        ...(systemOperations.length ? { operation: systemOperations } : {}),
      },
    ],
  };
}
