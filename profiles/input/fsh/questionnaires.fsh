// Specialty intake forms. The server checks answers against them (required, enableWhen, answer options and
// value sets, minValue/maxValue, maxLength, regex, maxSize and mimeType of attachments).

Instance: intake-dermatology
InstanceOf: Questionnaire
Usage: #definition
Title: "Dermatology intake"
Description: "Questions the patient or the requester answers with a dermatology consult."
* url = "https://relay.example/fhir/Questionnaire/intake-dermatology"
* name = "IntakeDermatology"
* title = "Dermatology intake"
* version = "0.1.0"
* status = #active
* subjectType = #Patient
* item[+].linkId = "lesion-location"
* item[=].text = "Where on the body is the lesion?"
* item[=].type = #string
* item[=].required = true
* item[+].linkId = "lesion-duration"
* item[=].text = "How long has the lesion been there?"
* item[=].type = #choice
* item[=].required = true
* item[=].answerOption[+].valueCoding = LesionDurationCodes#under-1-week "Less than a week"
* item[=].answerOption[+].valueCoding = LesionDurationCodes#1-4-weeks "One to four weeks"
* item[=].answerOption[+].valueCoding = LesionDurationCodes#1-12-months "One to twelve months"
* item[=].answerOption[+].valueCoding = LesionDurationCodes#over-1-year "More than a year"
* item[+].linkId = "itching"
* item[=].text = "Does it itch?"
* item[=].type = #boolean
* item[+].linkId = "lesion-changed"
* item[=].text = "Has it changed in size, shape or colour?"
* item[=].type = #boolean
* item[=].required = true
* item[+].linkId = "lesion-change-details"
* item[=].text = "How has it changed?"
* item[=].type = #text
* item[=].required = true
* item[=].enableWhen.question = "lesion-changed"
* item[=].enableWhen.operator = #=
* item[=].enableWhen.answerBoolean = true
* item[+].linkId = "lesion-count"
* item[=].text = "How many similar lesions are there?"
* item[=].type = #integer
* item[=].extension[$minValue].valueInteger = 1
* item[=].extension[$maxValue].valueInteger = 100
* item[+].linkId = "contact-phone"
* item[=].text = "A phone number the specialist can call"
* item[=].type = #string
* item[=].extension[$regex].valueString = "^[+]?[0-9 ()-]{7,20}$"
* item[+].linkId = "lesion-description"
* item[=].text = "Describe the lesion in your own words"
* item[=].type = #text
* item[=].maxLength = 200
* item[+].linkId = "lesion-photo"
* item[=].text = "A close-up photograph of the lesion"
* item[=].type = #attachment
* item[=].extension[$maxSize].valueDecimal = 10485760
* item[=].extension[$mimeType][0].valueCode = #image/jpeg
* item[=].extension[$mimeType][1].valueCode = #image/png
* item[+].linkId = "history"
* item[=].text = "Medical history"
* item[=].type = #group
* item[=].item[+].linkId = "medications"
* item[=].item[=].text = "Medicines you take (one per answer)"
* item[=].item[=].type = #string
* item[=].item[=].repeats = true
* item[=].item[+].linkId = "allergies"
* item[=].item[=].text = "Known allergies"
* item[=].item[=].type = #string
* item[=].item[+].linkId = "skin-cancer-history"
* item[=].item[=].text = "Have you or a close relative had skin cancer?"
* item[=].item[=].type = #boolean
* item[=].item[=].required = true

Instance: intake-diabetic-retinopathy
InstanceOf: Questionnaire
Usage: #definition
Title: "Diabetic retinopathy screening intake"
Description: "Questions answered with a diabetic retinopathy screening consult."
* url = "https://relay.example/fhir/Questionnaire/intake-diabetic-retinopathy"
* name = "IntakeDiabeticRetinopathy"
* title = "Diabetic retinopathy screening intake"
* version = "0.1.0"
* status = #active
* subjectType = #Patient
* item[+].linkId = "diabetes-type"
* item[=].text = "Which type of diabetes does the patient have?"
* item[=].type = #choice
* item[=].required = true
* item[=].answerValueSet = Canonical(DiabetesTypeValueSet)
* item[+].linkId = "years-since-diagnosis"
* item[=].text = "How many years ago was diabetes diagnosed?"
* item[=].type = #integer
* item[=].extension[$minValue].valueInteger = 0
* item[=].extension[$maxValue].valueInteger = 120
* item[+].linkId = "last-hba1c"
* item[=].text = "Most recent HbA1c (%)"
* item[=].type = #decimal
* item[=].extension[$minValue].valueDecimal = 3.0
* item[=].extension[$maxValue].valueDecimal = 20.0
* item[+].linkId = "visual-symptoms"
* item[=].text = "Does the patient report changes in vision?"
* item[=].type = #boolean
* item[=].required = true
* item[+].linkId = "visual-symptoms-details"
* item[=].text = "Describe the changes in vision"
* item[=].type = #text
* item[=].required = true
* item[=].enableWhen.question = "visual-symptoms"
* item[=].enableWhen.operator = #=
* item[=].enableWhen.answerBoolean = true
* item[+].linkId = "eyes-imaged"
* item[=].text = "Which eyes were imaged?"
* item[=].type = #choice
* item[=].required = true
* item[=].answerOption[+].valueCoding = EyeLateralityCodes#left "Left eye"
* item[=].answerOption[+].valueCoding = EyeLateralityCodes#right "Right eye"
* item[=].answerOption[+].valueCoding = EyeLateralityCodes#both "Both eyes"
