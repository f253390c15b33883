Extension: ConsultSpecialtyExtension
Id: consult-specialty
Title: "Consult specialty"
Description: "The consult specialty a Media was captured for, e.g. dermatology for a skin photograph."
Context: Media
* value[x] 1..1
* value[x] only Coding
* value[x] from ConsultSpecialtyValueSet (required)

Extension: LicenceJurisdictionExtension
Id: licence-jurisdiction
Title: "Licence jurisdiction"
Description: "Where a practitioner's licence (a Practitioner.qualification) allows them to practise, e.g. the US state code OR. Consult routing assigns a consult only to a specialist licensed in the patient's jurisdiction (Patient.address.state)."
Context: Practitioner.qualification
* value[x] 1..1
* value[x] only CodeableConcept
