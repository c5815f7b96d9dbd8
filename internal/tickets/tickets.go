// Package tickets is the support-ticket room: tickets, their queue and their
// history, kept as conversations of the messaging core (internal/messaging).
package tickets

// Service is the ticket room.
type Service struct{}
