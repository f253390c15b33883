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

Instance: submit
InstanceOf: OperationDefinition
Usage: #definition
Title: "Submit a consult"
Description: "Runs the submission check on a draft consult (intake answers, required media and their content, patient and requester) and, when it passes, moves the consult to requested, sets its due time from its priority and routes it to a specialist or a pool."
* url = "https://relay.example/fhir/OperationDefinition/submit"
* name = "Submit"
* title = "Submit a consult"
* version = "0.1.0"
* status = #active
* kind = #operation
* code = #submit
* resource = #ServiceRequest
* system = false
* type = false
* instance = true
* affectsState = true
* parameter[+].name = #return
* parameter[=].use = #out
* parameter[=].min = 1
* parameter[=].max = "1"
* parameter[=].type = #Bundle
* parameter[=].documentation = "The consult's ServiceRequest and coordinating Task as they are after submission (a collection Bundle). When the check fails the answer is a 422 OperationOutcome listing every missing or invalid item."

Instance: package
InstanceOf: OperationDefinition
Usage: #definition
Title: "The whole consult as one Bundle"
Description: "Returns a consult with everything that belongs to it as one collection Bundle: the ServiceRequest, its Tasks and sub-Tasks, Patient, requester, intake QuestionnaireResponses and their Questionnaires, Media (linking their Binaries on this server), Observations, Communications, DiagnosticReports and Provenance. It is the unit that is forwarded."
* url = "https://relay.example/fhir/OperationDefinition/package"
* name = "Package"
* title = "The whole consult as one Bundle"
* version = "0.1.0"
* status = #active
* kind = #operation
* code = #package
* resource = #ServiceRequest
* system = false
* type = false
* instance = true
* affectsState = false
* parameter[+].name = #return
* parameter[=].use = #out
* parameter[=].min = 1
* parameter[=].max = "1"
* parameter[=].type = #Bundle
* parameter[=].documentation = "A collection Bundle whose first entry is the ServiceRequest."

Instance: claim
InstanceOf: OperationDefinition
Usage: #definition
Title: "Claim a pooled consult"
Description: "A specialist takes a consult Task owned by a HealthcareService pool: the Task's owner becomes the caller's PractitionerRole (or the one named), if that role has the consult's specialty and may treat the patient."
* url = "https://relay.example/fhir/OperationDefinition/claim"
* name = "Claim"
* title = "Claim a pooled consult"
* version = "0.1.0"
* status = #active
* kind = #operation
* code = #claim
* resource = #Task
* system = false
* type = false
* instance = true
* affectsState = true
* parameter[+].name = #owner
* parameter[=].use = #in
* parameter[=].min = 0
* parameter[=].max = "1"
* parameter[=].type = #Reference
* parameter[=].documentation = "The PractitionerRole that takes the consult; defaults to the caller's (fhirUser)."
* parameter[+].name = #return
* parameter[=].use = #out
* parameter[=].min = 1
* parameter[=].max = "1"
* parameter[=].type = #Task
* parameter[=].documentation = "The Task as it is after the claim."

Instance: stats
InstanceOf: OperationDefinition
Usage: #definition
Title: "Consult turnaround figures"
Description: "Turnaround of consults submitted in a date range, computed from the stored history of their Tasks: count, median and 90th percentile of the time to first action and to completion, and the number overdue, overall and grouped by specialty, specialist and priority."
* url = "https://relay.example/fhir/OperationDefinition/stats"
* name = "Stats"
* title = "Consult turnaround figures"
* version = "0.1.0"
* status = #active
* kind = #operation
* code = #stats
* resource = #ServiceRequest
* system = false
* type = true
* instance = false
* affectsState = false
* parameter[+].name = #start
* parameter[=].use = #in
* parameter[=].min = 0
* parameter[=].max = "1"
* parameter[=].type = #dateTime
* parameter[=].documentation = "Consults submitted at or after this time."
* parameter[+].name = #end
* parameter[=].use = #in
* parameter[=].min = 0
* parameter[=].max = "1"
* parameter[=].type = #dateTime
* parameter[=].documentation = "Consults submitted before this time."
* parameter[+].name = #return
* parameter[=].use = #out
* parameter[=].min = 1
* parameter[=].max = "1"
* parameter[=].type = #Parameters
* parameter[=].documentation = "The figures (see the README, \"Consult workflow\")."

Instance: escalate
InstanceOf: OperationDefinition
Usage: #definition
Title: "Escalate overdue consults"
Description: "Runs the escalation of consults whose due time has passed, now (Relay also runs it every RELAY_ESCALATION_INTERVAL): a consult not yet accepted is reassigned to another eligible specialist when there is one, and every overdue consult is marked overdue (Task.businessStatus), each step recorded in a Provenance. For administrators."
* url = "https://relay.example/fhir/OperationDefinition/escalate"
* name = "Escalate"
* title = "Escalate overdue consults"
* version = "0.1.0"
* status = #active
* kind = #operation
* code = #escalate
* resource = #Task
* system = false
* type = true
* instance = false
* affectsState = true
* parameter[+].name = #return
* parameter[=].use = #out
* parameter[=].min = 1
* parameter[=].max = "1"
* parameter[=].type = #Bundle
* parameter[=].documentation = "The Tasks escalated by this run, as they are afterwards (a collection Bundle; empty when none was overdue)."
