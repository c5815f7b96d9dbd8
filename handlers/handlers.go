// Package handlers is the HTTP layer: it parses requests, calls one domain
// method, and renders a view. routes.go lists every route.
package handlers

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/audit"
	"zerodesk/internal/cache"
	"zerodesk/internal/kb"
	"zerodesk/internal/mail"
	"zerodesk/internal/notify"
	"zerodesk/internal/ops"
	"zerodesk/internal/ratelimit"
	"zerodesk/internal/sla"
	"zerodesk/internal/tickets"
	"zerodesk/internal/tickets/reports"
	"zerodesk/locales"
	"zerodesk/static"
)

// KnowledgeBase is what the help desk pages need of the help articles.
type KnowledgeBase interface {
	Section(lang string, c kb.Category) []kb.Summary
	// SectionPage is a page of Section: the items, the page shown (page is
	// clamped to the last) and how many the section holds.
	SectionPage(lang string, c kb.Category, page, perPage int) (items []kb.Summary, shown, total int)
	Popular(lang string, n int) []kb.Summary
	Latest(lang string, n int) []kb.Summary
	// HomeLists are Popular and Latest with no article in both.
	HomeLists(lang string, n int) (popular, latest []kb.Summary)
	// Version changes whenever anything a page shows of the articles changes.
	Version() uint64
	Article(lang, slug string) (*kb.Article, error)
	// ArticleAddress is Article's id and slug in lang without the article
	// (no copy): what a kept article page needs to be sent.
	ArticleAddress(lang, slug string) (articleID int64, canonical string, err error)
	// CountView counts a view of an article on a page in lang.
	CountView(articleID int64, lang string)
	// Vote records a helpful / not helpful answer (with an optional reason
	// for "not helpful") on a page in lang.
	Vote(ctx context.Context, articleID int64, lang, address string, helpful bool, reason kb.Reason) (kb.Tally, error)
	Search(ctx context.Context, lang, query string, limit int) (*kb.Results, error)
	SearchPage(ctx context.Context, lang, query string, page, perPage int) (*kb.Results, error)
	// RecordSearch notes a submitted search; address is the visitor's, which
	// the log only ever hashes with the day.
	RecordSearch(lang, query string, hits int, address string)
}

// Readers is what the editor's room needs of the help articles for its
// files, readers' numbers and searches that found nothing, and the visitors'
// Atom feeds (editor_files.go, editor_readers.go, feed.go). *kb.KB has it.
type Readers interface {
	AddFile(ctx context.Context, name string, data []byte, by int64) (kb.File, error)
	Files(ctx context.Context, limit int) ([]kb.File, error)
	FilesPage(ctx context.Context, offset, limit int) ([]kb.File, int, error)
	FileData(ctx context.Context, hash, ext string) (kb.File, []byte, error)
	ArticleStats(ctx context.Context, lang string, days int) ([]kb.ArticleStat, error)
	ArticleDaily(ctx context.Context, articleID int64, lang string, days int) ([]kb.DayStat, error)
	ArticleLanguages(ctx context.Context, articleID int64, days int) ([]string, error)
	ArticleReasons(ctx context.Context, articleID int64, lang string, days int) ([]kb.ReasonCount, error)
	ArticleByKey(lang, key string) (*kb.Article, bool, error)
	MissingSearches(ctx context.Context, lang string, n int) ([]kb.QueryStat, error)
	HiddenSearches(ctx context.Context, lang string) (queries, zeroHitSearches int64, err error)
	Feed(lang string, n int) []kb.FeedEntry
}

// Handlers holds the dependencies of every HTTP handler.
type Handlers struct {
	KB KnowledgeBase
	// Editorial is KB for the editor's room, when it can be written (editor.go).
	Editorial Editorial
	// Readers is KB for the editor's files, readers' numbers and the feeds.
	Readers Readers
	Locales *locales.Catalog
	Assets  *static.Assets
	Log     *slog.Logger
	// TrustedProxies are the networks whose X-Forwarded-For is believed. Empty:
	// the client address is the connection's, whatever headers say.
	TrustedProxies []*net.IPNet
	// VoteLimit is how many votes one address may cast per minute (all articles).
	VoteLimit int
	// SearchLimit is how many searches (as-you-type requests included) one
	// address may make per minute, in bursts of as many.
	SearchLimit int
	// Accounts is the account service.
	Accounts *accounts.Accounts
	// AccountLimit is how many registrations and login steps one address may
	// send per minute.
	AccountLimit int
	// Tickets is the support-ticket service.
	Tickets *tickets.Service
	// Notify is the agents' notifications (desk_notify.go).
	Notify *notify.Service
	// SLA is the service-level policy and Reports the desk's numbers
	// (issue 14; desk_sla.go, desk_reports.go).
	SLA     *sla.Service
	Reports *reports.Reports
	// Outbox is the queued mail, which admins see (metadata only) at the
	// desk.
	Outbox *mail.Outbox
	// Audit is the record of staff actions, which admins read (desk_audit.go).
	Audit *audit.Log
	// Ready answers /readyz (readyz.go); nil: always ready. Metrics counts
	// for /metrics (metrics.go); nil: off, nothing counted.
	Ready   *ops.Readiness
	Metrics *Metrics
	// UploadSlots is how many forms with attachments are read at once,
	// process-wide [6]; UploadWait is how long one waits for a slot before
	// the "busy, try again" answer [2s] (uploads.go).
	UploadSlots int
	UploadWait  time.Duration
	// TicketLimit is how many requests one address may send per minute to
	// the ticket routes [30]; DeskLimit the same for the desk's [600].
	TicketLimit, DeskLimit int

	// PublicURL is the portal's address as people reach it (--public-url),
	// without a trailing slash: canonical and hreflang links, the sitemap and
	// robots.txt are absolute from it. Empty: from the request's host.
	PublicURL string
	// Limits decides the per-address request rates (perAddressLimit):
	// shared by the instances on PostgreSQL (ratelimit.New); nil: this
	// process's memory, set when the routes are made.
	Limits ratelimit.Limiter

	uploads uploadGate

	// The caches (internal/cache), bounded; New sets the bounds and lives.
	pages cache.Versioned[pageKey, cachedPage] // pages for everyone, per catalog version (renderCached)
	// searchPages: search pages for everyone, per catalog version, by query as typed (search).
	searchPages cache.Versioned[pageKey, cachedPage]
	sitemaps    cache.Versioned[struct{}, []byte] // the sitemap, per catalog version (sitemapBase for the address)
	feeds       cache.Versioned[string, []byte]   // the Atom feeds by language, per catalog version (feed.go)
	// deskEntered: the staff sessions whose name the tickets service already
	// has, so the desk records it once per session, not once per request.
	deskEntered   cache.Versioned[int64, bool]
	deskRendered  cache.Versioned[deskRenderKey, cachedPage]            // queue pages as sent (renderQueue)
	deskQueues    cache.Versioned[tickets.QueueFilter, *deskQueueEntry] // queue pages, per tickets version
	deskLists     cache.Versioned[string, deskLists]                    // the filter's choices by language
	deskTriage    cache.Versioned[int64, deskTriageLists]               // saved views and tags in use, by agent (desk_triage.go)
	deskFieldList cache.Versioned[struct{}, []tickets.Field]            // the queue's custom fields (desk_fields.go)
	// secondFactors: whether the policy sends a staff session to set up a
	// second factor first, per account and role (desk_staff.go).
	secondFactors   cache.Versioned[secondFactorKey, bool]
	secondFactorGen atomic.Uint64 // bumped by a change of the policy or of an account's second factor
}

// Config is what New needs.
type Config struct {
	KB             KnowledgeBase
	Readers        Readers
	Locales        *locales.Catalog
	Assets         *static.Assets
	Log            *slog.Logger
	TrustedProxies []*net.IPNet
	Accounts       *accounts.Accounts
	Tickets        *tickets.Service
	SLA            *sla.Service
	Reports        *reports.Reports
	Outbox         *mail.Outbox
	Audit          *audit.Log
	PublicURL      string
	Notify         *notify.Service
	Limits         ratelimit.Limiter
}

// New builds the handlers.
func New(cfg Config) *Handlers {
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	editorial, _ := cfg.KB.(Editorial)
	return &Handlers{
		KB:             cfg.KB,
		Readers:        cfg.Readers,
		Editorial:      editorial,
		Locales:        cfg.Locales,
		Assets:         cfg.Assets,
		Log:            log,
		TrustedProxies: cfg.TrustedProxies,
		VoteLimit:      20,
		SearchLimit:    60,
		Accounts:       cfg.Accounts,
		AccountLimit:   30,
		Tickets:        cfg.Tickets,
		Notify:         cfg.Notify,
		Limits:         cfg.Limits,
		SLA:            cfg.SLA,
		Reports:        cfg.Reports,
		Outbox:         cfg.Outbox,
		Audit:          cfg.Audit,
		PublicURL:      strings.TrimSuffix(cfg.PublicURL, "/"),
		pages:          cache.Versioned[pageKey, cachedPage]{Max: maxCachedPages},
		searchPages:    cache.Versioned[pageKey, cachedPage]{Max: maxCachedSearchPages},
		sitemaps:       cache.Versioned[struct{}, []byte]{Max: 1},
		feeds:          cache.Versioned[string, []byte]{Max: 64},
		deskEntered:    cache.Versioned[int64, bool]{Max: 10000}, // past it, agents are named again
		deskRendered:   cache.Versioned[deskRenderKey, cachedPage]{Max: 500},
		deskQueues:     cache.Versioned[tickets.QueueFilter, *deskQueueEntry]{Max: 1000},
		deskLists:      cache.Versioned[string, deskLists]{TTL: deskQueueTTL},
		deskTriage:     cache.Versioned[int64, deskTriageLists]{Max: 10000},
		deskFieldList:  cache.Versioned[struct{}, []tickets.Field]{Max: 1},
		secondFactors:  cache.Versioned[secondFactorKey, bool]{Max: 10000, TTL: secondFactorTTL},
	}
}
