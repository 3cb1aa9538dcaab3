// Package threshold raises threshold alerts: the alerts that are decided
// after a batch commits, from the number of recent events of an issue,
// rather than inside the writing transaction (new and regressed issues,
// decided by core.Issue.AddEvents and core.IssueAlertKind in each store's
// WriteEvents).
//
//   - Rules are core.AlertRule values (config.yaml's alerts.rules); what a
//     rule decides (its window, whether a count reaches it, whether it must
//     stay quiet) is in package core. ValidateRules adds the compiled when
//     filter, which speaks notify's filter language (notify.CompileWhen).
//   - The event writer writes through Evaluator.Writer, which calls Observe
//     after each commit; a background loop counts the touched issues'
//     recent events (CountIssueEvents, reading at most Events index
//     entries) and, when the count is reached, asks CreateThresholdAlert for
//     the alert, which writes it and its outbox rows in one transaction
//     unless the rule fired within the interval (atomic across nodes).
//     Ignored issues and issues a rule's when filter rejects raise nothing.
//   - The loop remembers when each (rule, issue) last fired, so an issue in
//     a storm costs no query until its interval is over.
//   - Evaluation runs after commit: a crash between the commit and the
//     check loses that check, and the next event repeats it.
//
// Delivery of the alert is package notify's (the outbox dispatcher).
package threshold
