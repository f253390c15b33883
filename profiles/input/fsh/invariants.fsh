// Invariants. Every expression is FHIRPath that the HL7 JS engine (npm fhirpath, R4 model) evaluates
// without resolve(); the README lists them with a passing and a failing case in mind.

Invariant: relay-sr-1
Description: "The consult request says why it is made: it has a reasonCode, a reasonReference or a note."
Expression: "reasonCode.exists() or reasonReference.exists() or note.exists()"
Severity: #error

Invariant: relay-task-1
Description: "The consult task has an owner unless its status is draft, requested, cancelled, rejected or entered-in-error."
Expression: "owner.exists() or status in ('draft' | 'requested' | 'cancelled' | 'rejected' | 'entered-in-error')"
Severity: #error

Invariant: relay-task-2
Description: "The consult task has a due time (restriction.period.end) unless its status is draft, cancelled or entered-in-error."
Expression: "restriction.period.end.exists() or status in ('draft' | 'cancelled' | 'entered-in-error')"
Severity: #error

Invariant: relay-media-1
Description: "Media whose content has data or a url also states the content's size and hash, so that its integrity can be checked."
Expression: "(content.data.exists() or content.url.exists()) implies (content.size.exists() and content.hash.exists())"
Severity: #error

Invariant: relay-media-2
Description: "A dermatology photograph (consult-specialty extension dermatology and type image) states the bodySite it shows."
Expression: "(extension.where(url = 'https://relay.example/fhir/StructureDefinition/consult-specialty').value.ofType(Coding).where(system = 'https://relay.example/fhir/CodeSystem/consult-specialty' and code = 'dermatology').exists() and type.coding.where(system = 'http://terminology.hl7.org/CodeSystem/media-type' and code = 'image').exists()) implies bodySite.exists()"
Severity: #error

Invariant: relay-media-3
Description: "Captured media should state the modality and the time of capture (createdDateTime)."
Expression: "modality.exists() and created.ofType(dateTime).exists()"
Severity: #warning

Invariant: relay-dr-1
Description: "A final, amended, corrected or appended consult report has a conclusion or a conclusionCode."
Expression: "status in ('final' | 'amended' | 'corrected' | 'appended') implies (conclusion.exists() or conclusionCode.exists())"
Severity: #error

Invariant: relay-com-1
Description: "A reply (category reply) names the message it answers in inResponseTo."
Expression: "category.coding.where(system = 'https://relay.example/fhir/CodeSystem/consult-communication-category' and code = 'reply').exists() implies inResponseTo.exists()"
Severity: #error
