/**
 * patient/ scopes (SMART App Launch 2.x scopes-and-launch-context.html: "patient-specific scopes",
 * the `patient` launch context): only the compartment of the token's patient (R4
 * compartmentdefinition-patient.html), compiled into the Mongo filter on the indexed references
 * `sp.<code>.r` (the Patient itself by `_id`). Shared types (rules.ts SHARED_TYPES) are readable,
 * never writable; every other type is invisible. A write must stay in the compartment: every
 * patient reference in the compartment parameters of the new content names this patient.
 */
import type { Resource } from '@medplum/fhirtypes';
import { anyRef, NOTHING, or, patientParams, refsOf, typeClass } from './rules';
import type { Visible } from './visible';

/** The compartment of `patient` (`Patient/<id>`). */
export function patientCompartment(patient: string, baseUrl: string): Visible {
  const id = patient.slice('Patient/'.length);
  const links = (resource: Resource) => patientParams(resource.resourceType).flatMap((code) => refsOf(resource, code, baseUrl));
  const member = (resource: Resource): boolean => {
    if (resource.resourceType === 'Patient' && resource.id === id) return true;
    return links(resource).some((v) => v.r === patient);
  };
  return {
    describe: `the compartment of ${patient}`,
    filter(type) {
      switch (typeClass(type)) {
        case 'shared':
          return undefined;
        case 'patient-data':
          return or([...(type === 'Patient' ? [{ _id: id }] : []), ...anyRef(patientParams(type), [patient])]);
        default:
          return NOTHING;
      }
    },
    contains(resource) {
      const kind = typeClass(resource.resourceType);
      return kind === 'shared' || (kind === 'patient-data' && member(resource));
    },
    mayWrite(resource, state) {
      const kind = typeClass(resource.resourceType);
      if (kind === 'binary') return state === 'new'; // a new upload; readable once a visible resource links it
      if (resource.resourceType === 'Patient') return resource.id === id; // only the patient's own record
      if (kind !== 'patient-data' || !member(resource)) return false;
      // The new content may not also put the resource into another patient's compartment.
      return state === 'current' || links(resource).every((v) => v.typ !== 'Patient' || v.r === patient);
    },
  };
}
