// Package ops holds the operational answer an instance gives a load
// balancer: the readiness that /readyz serves (the database answers, it has
// every migration this binary embeds, the mail outbox is not stuck), cached
// for a second. The database mechanics it asks (migration status; verify's
// integrity check and read-only open) are internal/store's.
package ops
