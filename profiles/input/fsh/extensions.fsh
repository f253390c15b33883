Extension: ConsultSpecialtyExtension
Id: consult-specialty
Title: "Consult specialty"
Description: "The consult specialty a Media was captured for, e.g. dermatology for a skin photograph."
Context: Media
* value[x] 1..1
* value[x] only Coding
* value[x] from ConsultSpecialtyValueSet (required)
