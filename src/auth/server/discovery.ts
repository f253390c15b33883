/**
 * Discovery (SMART App Launch 2.x conformance.html): the `.well-known/smart-configuration` document
 * and the CapabilityStatement.rest.security block (R4 capabilitystatement-definitions.html#CapabilityStatement.rest.security,
 * with the SMART oauth-uris extension).
 */
import type { CapabilityStatementRestSecurity } from '@medplum/fhirtypes';
import { ALGORITHMS } from '../jwt';
import type { AuthUrls } from '../urls';

/** Example scopes advertised; any SMART v1 or v2 resource scope is understood. */
const SCOPES = ['system/*.cruds', 'system/*.rs', 'system/*.read', 'system/*.write', 'system/*.*', 'patient/*.rs', 'user/*.rs'];

export function smartConfiguration(urls: AuthUrls): Record<string, unknown> {
  return {
    issuer: urls.issuer,
    jwks_uri: urls.jwksUri,
    token_endpoint: urls.tokenEndpoint,
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...ALGORITHMS],
    grant_types_supported: ['client_credentials'],
    scopes_supported: SCOPES,
    response_types_supported: ['token'],
    capabilities: ['client-confidential-asymmetric', 'permission-v1', 'permission-v2'],
  };
}

export function restSecurity(urls: AuthUrls): CapabilityStatementRestSecurity {
  return {
    cors: false,
    service: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR', display: 'SMART-on-FHIR' }],
        text: 'OAuth2 using the SMART-on-FHIR profile (SMART Backend Services: client_credentials with private_key_jwt)',
      },
    ],
    description: `Every request except GET metadata and .well-known/smart-configuration needs an access token (Authorization: Bearer). Token endpoint: ${urls.tokenEndpoint}.`,
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [{ url: 'token', valueUri: urls.tokenEndpoint }],
      },
    ],
  };
}
