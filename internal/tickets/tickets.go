// Package tickets is the support-ticket room: tickets, their queue and their
// history, kept as conversations of the messaging core (internal/messaging).
//
// What is stored, and under which key (the server secret lives in the key
// file, never in the database):
//
//   - subject, customer name, originating article: the thread's metadata,
//     sealed under the thread key (messaging);
//   - message bodies, attachment names and contents: sealed under per-message
//     keys, themselves wrapped by the thread key (messaging);
//   - the thread key: wrapped by the desk key (a subkey of the server secret),
//     by the account's data key for account users, and by a key derived from
//     the access key (HKDF with a server subkey) for guests;
//   - the customer's e-mail: sealed under a desk subkey, plus a keyed hash
//     (per-e-mail limit, the customer's other tickets);
//   - the access key: only its keyed hash; the reference is stored plain (an
//     identifier, not a secret);
//   - queue text search: a blind index of keyed hashes of the normalized words
//     of subject and body (see blindindex.go), so word equality leaks, not words.
package tickets

import (
	"context"
	"log/slog"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/audit"
)

// Status is where a ticket is in its life.
type Status string

// The statuses, in their usual order.
const (
	StatusNew      Status = "new"
	StatusOpen     Status = "open"
	StatusPending  Status = "pending"
	StatusResolved Status = "resolved"
	StatusClosed   Status = "closed"
)

// Statuses lists every status in order.
var Statuses = []Status{StatusNew, StatusOpen, StatusPending, StatusResolved, StatusClosed}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if s == x {
			return true
		}
	}
	return false
}

// Priority is how urgent a ticket is; it sets its targets.
type Priority string

// The priorities, from the least urgent.
const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Priorities lists every priority, from the least urgent.
var Priorities = []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

// Valid reports whether p is one of Priorities.
func (p Priority) Valid() bool {
	for _, x := range Priorities {
		if p == x {
			return true
		}
	}
	return false
}

// Options configure the service. Zero values mean the defaults.
type Options struct {
	Now func() time.Time // [time.Now]
	// PortalURL is the portal's address as mails show it ("https://desk.example");
	// links.Portal builds the pages' links below it (as accounts.Options.PortalURL).
	PortalURL string
	Limits    Limits
	Targets   map[Priority]Target // first-response and resolution targets [DefaultTargets]; unused with SLA
	// SLA is the working-time policy (*sla.Service); nil: every second
	// counts, with Targets.
	SLA SLA
	// OnSLAChange, when set, is called by SweepSLA for each ticket whose
	// next timer became at risk or breached, after the change is committed
	// (the notifications room's hook; agentID 0: unassigned).
	OnSLAChange func(ctx context.Context, ticketID, agentID int64, state SLAState)
	// OnChange, when set, is called after each change of Version made here
	// (the wiring tells the other instances on PostgreSQL: store.Changes).
	OnChange func()
	Log      *slog.Logger
	// CommitDelay, when positive, is how long the group committer waits for
	// more submissions before it commits a batch [0: commit what is queued].
	CommitDelay time.Duration
	// Notifier is told of the events agents are notified of (notify), in
	// their transactions; nil: nobody is told.
	Notifier Notifier
	// Audit records the staff's actions (audit.go); nil: not recorded.
	Audit *audit.Log
}

// Limits are the abuse and size limits. The zero value of each field means
// its default (in brackets).
type Limits struct {
	PerAddress          int   // tickets per client address per hour [5]
	PerEmail            int   // tickets per e-mail address per hour [5]
	MaxSubject          int   // characters [200]
	MaxBody             int   // characters [20000]
	MaxName             int   // characters [100]
	MaxAttachments      int   // per message [5]
	MaxAttachmentBytes  int64 // per file [5 MiB]
	WrongKeys           int   // wrong access keys per (reference, address) per 15 minutes [10]
	WrongKeysPerAddress int   // wrong access keys per address, all references, per 15 minutes [30]
}

func (l *Limits) defaults() {
	set := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	set(&l.PerAddress, 5)
	set(&l.PerEmail, 5)
	set(&l.MaxSubject, 200)
	set(&l.MaxBody, 20000)
	set(&l.MaxName, 100)
	set(&l.MaxAttachments, 5)
	set(&l.WrongKeys, 10)
	set(&l.WrongKeysPerAddress, 30)
	if l.MaxAttachmentBytes <= 0 {
		l.MaxAttachmentBytes = 5 << 20
	}
}

// Target is what a priority promises: a first answer within FirstResponse
// and a resolution within Resolution of the ticket's creation.
type Target struct{ FirstResponse, Resolution time.Duration }

// DefaultTargets are the targets when Options.Targets leaves a priority out.
var DefaultTargets = map[Priority]Target{
	PriorityUrgent: {time.Hour, 8 * time.Hour},
	PriorityHigh:   {4 * time.Hour, 24 * time.Hour},
	PriorityNormal: {8 * time.Hour, 72 * time.Hour},
	PriorityLow:    {24 * time.Hour, 7 * 24 * time.Hour},
}

// Upload is a file as the form sent it. The service sniffs its type
// (http.DetectContentType) and keeps only AllowedTypes.
type Upload struct {
	Name string
	Data []byte
}

// AllowedTypes are the attachment types accepted (as sniffed, not as named).
var AllowedTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}

// Submission is a new ticket.
type Submission struct {
	Lang, Name, Email string            // Name/Email for guests; taken from the account when Session != nil
	Session           *accounts.Session // signed-in user, or nil
	Topic, Subject    string
	Body              string
	Comment           bool // "this is a comment about the service"
	Attachments       []Upload
	Address           string // client address, for the per-address limit
	FormID            string // random nonce from the form: a replay gives errs.Conflict MsgAlreadySent, Data{"Reference"}
	Article           string // optional: slug of the help article the question came from
	// Fields are the values of the topic's custom fields, by field id
	// (CheckFields says which are refused, and why).
	Fields map[int64]string
}

// Receipt is what the customer gets back from Submit.
type Receipt struct {
	ID        int64
	Reference string // ZD-7K3P-Q9XM
	AccessKey string // shown once (and mailed as a link once); only its keyed hash is stored
}

// Viewer is who looks at a ticket: a signed-in account (customer or staff),
// or a guest with the reference and access key.
type Viewer struct {
	Session              *accounts.Session
	Reference, AccessKey string
	// Address is the client's address (never stored: keyed hashes only).
	// Wrong keys are counted per (reference, address) and per address, so
	// a guesser locks out themselves, not the ticket's owner.
	Address string
}

func (v Viewer) staff() bool { return v.Session != nil && v.Session.Role.Staff() }

// Ticket is one ticket as a viewer may see it.
type Ticket struct {
	ID                                      int64
	Reference, Lang, Topic, Subject         string
	Article                                 string // slug of the help article it came from, if any
	Comment                                 bool
	Status                                  Status
	Priority                                Priority
	CustomerName, CustomerEmail             string
	AccountID                               int64
	AssigneeID                              int64
	AssigneeName                            string
	CreatedAt, UpdatedAt                    time.Time
	FirstResponseAt, ResolvedAt             time.Time
	FirstResponseDue, ResolutionDue         time.Time
	FirstResponseOverdue, ResolutionOverdue bool
	Messages                                []Message // internal notes and unreleased messages only for agents
	History                                 []Event   // agents only
	Rating                                  *Rating
	CanRate, CanReply, CanClose, CanReopen  bool // for this viewer
	// Triage: the ticket's tags (agents only); the survivor's reference
	// when it was merged; the tickets merged into it.
	Tags       []string
	MergedInto string
	Merged     []string
	// Fields are the custom fields of its topic with their values (agents
	// only; removed fields only when the ticket has a value).
	Fields []FieldValue
}

// Message is one message of a ticket.
type Message struct {
	ID                              int64
	FromAgent                       bool
	AuthorName, Body                string
	Internal                        bool // an agents' note
	CreatedAt, ReleaseAt, ExpiresAt time.Time
	Expired                         bool // its key and content are gone
	ReadByCustomerAt, ReadByAgentAt time.Time
	Attachments                     []AttachmentInfo
	// FromReference is the merged ticket a message came from ("" for the
	// ticket's own).
	FromReference string
}

// AttachmentInfo describes an attachment without its content.
type AttachmentInfo struct {
	ID         int64
	Name, Type string
	Size       int64
}

// Attachment is an attachment with its content.
type Attachment struct {
	AttachmentInfo
	Data []byte
}

// Event is one line of a ticket's history. Kind is one of the Event…
// constants; From and To are statuses, priorities or agent names.
type Event struct {
	At                    time.Time
	Actor, Kind, From, To string
}

// Event kinds.
const (
	EventCreated  = "created"
	EventStatus   = "status"
	EventPriority = "priority"
	EventAssigned = "assigned"
	EventReply    = "reply"
	EventNote     = "note"
	EventRated    = "rated"
	EventReopened = "reopened"
	EventClosed   = "closed"
)

// Rating is the customer's satisfaction rating.
type Rating struct {
	Score   int
	Comment string
	At      time.Time
}

// Reply is a message added to a ticket. ReleaseAt (agents only) holds the
// message back until then; ExpiresAt destroys it then.
type Reply struct {
	Body                 string
	Files                []Upload
	ReleaseAt, ExpiresAt time.Time
	FormID               string
}

// Summary is one ticket in a list.
type Summary struct {
	ID                                                    int64
	Reference, Subject, Topic, CustomerName, AssigneeName string
	Status                                                Status
	Priority                                              Priority
	Comment                                               bool
	CreatedAt, UpdatedAt, FirstResponseDue, ResolutionDue time.Time
	Overdue, Unread                                       bool
	// The desk only: where the next timer stands (the sweep's verdict), and
	// whether the clock stands while the ticket waits for the customer.
	SLA     SLAState
	Waiting bool
	Tags    []string
}

// QueueFilter selects the agents' queue.
type QueueFilter struct {
	Status   Status // "" = every status but closed
	Priority Priority
	Topic    string
	Assignee int64 // 0 any, -1 unassigned
	Text     string
	Tag      string // a normalized tag (NormalizeTag); "" any
	// Field and FieldValue: tickets whose custom field has that value
	// (the blind index: exact, normalized); Field 0 any.
	Field      int64
	FieldValue string
	Sort       string // "" (SortDue) or SortUpdated
	Page       int    // from 1
	PageSize   int    // [20], at most 100
}

// Queue is one page of the agents' queue. Counts are per status over every
// ticket (the filter's tabs), whatever the other filters.
type Queue struct {
	Tickets            []Summary
	Total, Page, Pages int
	Counts             map[Status]int
}

// Agent is a staff member as the desk names them.
type Agent struct {
	ID   int64
	Name string
}

// Topic is a ticket topic: a key and its name per language.
type Topic struct {
	Key      string
	Names    map[string]string
	Position int
	Active   bool
}

// TopicName is a topic named in one language.
type TopicName struct {
	Key, Name string
	Active    bool
}

// Canned is a canned reply agents insert.
type Canned struct {
	ID                int64
	Lang, Title, Body string
}
