Instance: validate
InstanceOf: OperationDefinition
Usage: #definition
Title: "Validate a resource"
Description: "Relay's $validate: checks a resource against the base R4 definitions, Relay's profiles and its intake questionnaires, without storing it."
* url = "https://relay.example/fhir/OperationDefinition/validate"
* name = "Validate"
* title = "Validate a resource"
* version = "0.1.0"
* status = #active
* kind = #operation
* code = #validate
* base = "http://hl7.org/fhir/OperationDefinition/Resource-validate"
* resource = #Resource
* system = false
* type = true
* instance = true
* affectsState = false
* parameter[+].name = #resource
* parameter[=].use = #in
* parameter[=].min = 0
* parameter[=].max = "1"
* parameter[=].type = #Resource
* parameter[=].documentation = "The resource to validate; at instance level the stored resource is validated when it is left out."
* parameter[+].name = #mode
* parameter[=].use = #in
* parameter[=].min = 0
* parameter[=].max = "1"
* parameter[=].type = #code
* parameter[=].documentation = "create, update or delete: also apply the checks of that interaction."
* parameter[+].name = #profile
* parameter[=].use = #in
* parameter[=].min = 0
* parameter[=].max = "1"
* parameter[=].type = #uri
* parameter[=].documentation = "Canonical URL of a profile to validate against, in addition to those the resource claims."
* parameter[+].name = #return
* parameter[=].use = #out
* parameter[=].min = 1
* parameter[=].max = "1"
* parameter[=].type = #OperationOutcome
* parameter[=].documentation = "The issues found; one information issue when there are none."
