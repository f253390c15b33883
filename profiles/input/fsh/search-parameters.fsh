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
