Alias: $task-code = http://hl7.org/fhir/CodeSystem/task-code
Alias: $media-type = http://terminology.hl7.org/CodeSystem/media-type
Alias: $minValue = http://hl7.org/fhir/StructureDefinition/minValue
Alias: $maxValue = http://hl7.org/fhir/StructureDefinition/maxValue
Alias: $maxSize = http://hl7.org/fhir/StructureDefinition/maxSize
Alias: $mimeType = http://hl7.org/fhir/StructureDefinition/mimeType
Alias: $regex = http://hl7.org/fhir/StructureDefinition/regex
