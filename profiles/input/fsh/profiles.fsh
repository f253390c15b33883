// The resources of one store-and-forward consult (see shared workflow: the consult in FHIR).

Profile: ConsultRequest
Parent: ServiceRequest
Id: consult-request
Title: "Consult request"
Description: "The request for a store-and-forward consult: who asks, for which patient, for which specialty, how urgently and why."
* obeys relay-sr-1
* intent = #order
* subject only Reference(Patient)
* requester 1..1
* requester only Reference(Practitioner or PractitionerRole or Organization or Patient)
* priority 1..1
* category 1..*
* category ^slicing.discriminator.type = #pattern
* category ^slicing.discriminator.path = "$this"
* category ^slicing.rules = #open
* category ^slicing.description = "The consult specialty is one category; other categories may follow."
* category contains specialty 1..1
* category[specialty] ^short = "The consult specialty"
* category[specialty] ^patternCodeableConcept.coding.system = "https://relay.example/fhir/CodeSystem/consult-specialty"
* category[specialty] from ConsultSpecialtyValueSet (required)
* supportingInfo only Reference(QuestionnaireResponse or Media or Observation or DocumentReference)

Profile: ConsultTask
Parent: Task
Id: consult-task
Title: "Consult task"
Description: "The coordination Task of a consult: its status carries the consult's state, owner the specialist or pool, restriction.period.end the due time."
* obeys relay-task-1 and relay-task-2
* code 1..1
* code = $task-code#fulfill
* intent = #order
* focus 1..1
* focus only Reference(ServiceRequest)
* basedOn 1..*
* basedOn only Reference(ServiceRequest)
* for 1..1
* for only Reference(Patient)
* owner only Reference(Practitioner or PractitionerRole or Organization or HealthcareService)

Profile: ConsultMedia
Parent: Media
Id: consult-media
Title: "Consult media"
Description: "A photograph, image, video or recording captured for a consult; its content points at a Binary whose size and hash let the integrity of the bytes be checked."
* obeys relay-media-1 and relay-media-2 and relay-media-3
* extension contains ConsultSpecialtyExtension named specialty 0..1
* basedOn 1..*
* basedOn only Reference(ServiceRequest)
* subject 1..1
* subject only Reference(Patient)
* type 1..1
* content.contentType 1..1

Profile: IntakeResponse
Parent: QuestionnaireResponse
Id: intake-response
Title: "Intake response"
Description: "The answers to a specialty intake Questionnaire, given for one consult."
* questionnaire 1..1
* basedOn 1..*
* basedOn only Reference(ServiceRequest)
* subject 1..1
* subject only Reference(Patient)

Profile: ConsultReport
Parent: DiagnosticReport
Id: consult-report
Title: "Consult report"
Description: "The specialist's answer to a consult."
* obeys relay-dr-1
* basedOn 1..*
* basedOn only Reference(ServiceRequest)
* subject 1..1
* subject only Reference(Patient)
* resultsInterpreter 1..*
* resultsInterpreter only Reference(Practitioner or PractitionerRole)

Profile: ConsultCommunication
Parent: Communication
Id: consult-communication
Title: "Consult communication"
Description: "A message exchanged during a consult, e.g. a specialist's question and the requester's reply."
* obeys relay-com-1
* about 1..*
* about only Reference(ServiceRequest or Task)
* inResponseTo only Reference(Communication)
* category 1..*
* category from CommunicationCategoryValueSet (extensible)
