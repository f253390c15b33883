Instance: task-due
InstanceOf: SearchParameter
Usage: #definition
Title: "Due time of a consult Task"
Description: "The time a consult Task is due (Task.restriction.period.end): worklists sort and filter by it, e.g. Task?owner=...&status=requested,received,accepted,in-progress&_sort=due or Task?due=lt<now> for overdue consults."
* url = "https://relay.example/fhir/SearchParameter/task-due"
* name = "TaskDue"
* version = "0.1.0"
* status = #active
* description = "The time a consult Task is due (Task.restriction.period.end)."
* code = #due
* base = #Task
* type = #date
* expression = "Task.restriction.period.end"
* xpathUsage = #normal

Instance: communication-about
InstanceOf: SearchParameter
Usage: #definition
Title: "What a consult message is about"
Description: "The ServiceRequest or Task a Communication is about (Communication.about): a consult's messages are found with Communication?about=ServiceRequest/<id>, e.g. open requests for information."
* url = "https://relay.example/fhir/SearchParameter/communication-about"
* name = "CommunicationAbout"
* version = "0.1.0"
* status = #active
* description = "The resource a Communication is about (Communication.about)."
* code = #about
* base = #Communication
* type = #reference
* expression = "Communication.about"
* xpathUsage = #normal
* target[+] = #ServiceRequest
* target[+] = #Task
