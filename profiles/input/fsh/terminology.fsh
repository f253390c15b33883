// Code systems and value sets. Each CodeSystem that a profile binds to has an all-codes ValueSet with the same id.

CodeSystem: ConsultSpecialtyCodes
Id: consult-specialty
Title: "Consult specialty"
Description: "The specialties a Relay consult can be addressed to. Hierarchical: a child code is a kind of its parent (diabetic retinopathy screening is ophthalmology)."
* ^status = #active
* ^caseSensitive = true
* ^hierarchyMeaning = #is-a
* ^content = #complete
* #dermatology "Dermatology" "Skin, hair and nail conditions, usually assessed from photographs."
* #ophthalmology "Ophthalmology" "Eye conditions."
  * #diabetic-retinopathy-screening "Diabetic retinopathy screening" "Grading of retinal images of a patient with diabetes."
* #radiology "Radiology" "Reading of radiographs and other imaging studies."
* #pathology "Pathology" "Review of pathology images and reports."
* #urology "Urology" "Urinary tract and male reproductive conditions."
* #physical-therapy "Physical therapy" "Musculoskeletal assessment and rehabilitation advice."
* #general "General medicine" "General medical advice that fits no other specialty."

ValueSet: ConsultSpecialtyValueSet
Id: consult-specialty
Title: "Consult specialty"
Description: "Every code of the consult-specialty code system."
* ^status = #active
* include codes from system ConsultSpecialtyCodes

CodeSystem: CommunicationCategoryCodes
Id: consult-communication-category
Title: "Consult communication category"
Description: "What a message exchanged during a consult is for."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* #request-for-information "Request for information" "The sender asks the recipient for more information about the consult."
* #reply "Reply" "An answer to an earlier message, named in Communication.inResponseTo."
* #notification "Notification" "A message that needs no answer, e.g. a change of state."

ValueSet: CommunicationCategoryValueSet
Id: consult-communication-category
Title: "Consult communication category"
Description: "Every code of the consult-communication-category code system."
* ^status = #active
* include codes from system CommunicationCategoryCodes

CodeSystem: DiabetesTypeCodes
Id: diabetes-type
Title: "Diabetes type"
Description: "Answer codes for the type of diabetes in the diabetic retinopathy intake."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* #type-1 "Type 1 diabetes"
* #type-2 "Type 2 diabetes"
* #gestational "Gestational diabetes"
* #other "Other or unknown type"

ValueSet: DiabetesTypeValueSet
Id: diabetes-type
Title: "Diabetes type"
Description: "Every code of the diabetes-type code system."
* ^status = #active
* include codes from system DiabetesTypeCodes

CodeSystem: LesionDurationCodes
Id: lesion-duration
Title: "Lesion duration"
Description: "Answer codes for how long a skin lesion has been present (dermatology intake)."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* #under-1-week "Less than a week"
* #1-4-weeks "One to four weeks"
* #1-12-months "One to twelve months"
* #over-1-year "More than a year"

CodeSystem: EyeLateralityCodes
Id: eye-laterality
Title: "Eye laterality"
Description: "Answer codes for which eyes were imaged (diabetic retinopathy intake)."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* #left "Left eye"
* #right "Right eye"
* #both "Both eyes"

CodeSystem: ConsultBusinessStatusCodes
Id: consult-business-status
Title: "Consult business status"
Description: "The finer stage of a consult Task (Task.businessStatus) within its status, set by Relay."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* #awaiting-information "Awaiting information" "The specialist asked the requester or patient for more information (a request-for-information Communication or a sub-Task); the consult is on hold until it arrives."
* #overdue "Overdue" "The due time passed before the consult was completed; it was escalated."
