package handlers

import (
	"context"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/tickets"
)

// Handlers.deskQueues keeps queue pages for a moment. Every agent's browser
// asks for the same few views, and after any change every polling browser
// asks again: a page is the same for all staff (the queue is the desk's, not
// an agent's) until the tickets' version changes, save for the clock (a
// ticket turning overdue changes no version), hence the short life of an
// entry. Only staff reach it (withDesk), and the filter is the whole key
// ("me" is already an agent's id in it). One request per key asks the
// service; the others wait for its answer, and an entry past its life is
// refreshed in the background while it is still served.

// deskQueueTTL bounds how stale a cached page's overdue marks may be (plus
// the time one refresh takes).
const deskQueueTTL = 10 * time.Second

type deskQueueEntry struct {
	done chan struct{} // closed once q or err is set

	mu         sync.Mutex
	q          *tickets.Queue
	err        error
	at         time.Time
	refreshing bool
}

// deskQueuePage is the service's queue page for f, from the cache while the
// version read before it still holds.
func (h *Handlers) deskQueuePage(c echo.Context, d deskVisit, version int64, f tickets.QueueFilter) (*tickets.Queue, error) {
	ctx := c.Request().Context()
	v := d.viewer()
	if e, ok := h.deskQueues.Get(uint64(version), f); ok {
		select {
		case <-e.done:
		default: // another request is asking: wait for its answer
			select {
			case <-e.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if q, ok := h.serveQueue(f, e, v); ok {
			return q, nil
		}
	}
	e := &deskQueueEntry{done: make(chan struct{})}
	h.deskQueues.Put(uint64(version), f, e)
	q, err := h.Tickets.Queue(ctx, v, f)
	e.mu.Lock()
	e.q, e.err, e.at = q, err, time.Now()
	e.mu.Unlock()
	close(e.done)
	return q, err
}

// serveQueue is an answered entry's page, refreshed in the background once
// past its life; ok is false when the service refused (ask again).
func (h *Handlers) serveQueue(f tickets.QueueFilter, e *deskQueueEntry, v tickets.Viewer) (q *tickets.Queue, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err != nil {
		return nil, false
	}
	if time.Since(e.at) >= deskQueueTTL && !e.refreshing {
		e.refreshing = true
		go h.refreshQueue(f, e, v)
	}
	return e.q, true
}

// refreshQueueTimeout bounds one background refresh.
const refreshQueueTimeout = 5 * time.Second

// refreshQueue asks the service again for an entry past its life, the old
// page served meanwhile. It outlives the request that started it, and no
// one waits on it, so it gets its own deadline: a refresh that hangs (a
// locked database) would otherwise keep the entry marked refreshing, and so
// stale, forever. On timeout the old page stays and the next request past
// the entry's life tries again.
func (h *Handlers) refreshQueue(f tickets.QueueFilter, e *deskQueueEntry, v tickets.Viewer) {
	ctx, cancel := context.WithTimeout(context.Background(), refreshQueueTimeout)
	defer cancel()
	q, err := h.Tickets.Queue(ctx, v, f)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.refreshing = false
	if err == nil {
		e.q, e.at = q, time.Now()
	}
}

// deskLists are the filter form's choices (the topics in a language, the
// agents), kept by Handlers.deskLists like the queue pages: per version,
// for deskQueueTTL (a renamed topic changes no ticket).
type deskLists struct {
	topics []tickets.TopicName
	agents []tickets.Agent
}

func (h *Handlers) deskChoices(ctx context.Context, lang string, version int64) ([]tickets.TopicName, []tickets.Agent, error) {
	if l, ok := h.deskLists.Get(uint64(version), lang); ok {
		return l.topics, l.agents, nil
	}
	topics, err := h.Tickets.Topics(ctx, lang, true)
	if err != nil {
		return nil, nil, err
	}
	agents, err := h.Tickets.Agents(ctx)
	if err != nil {
		return nil, nil, err
	}
	h.deskLists.Put(uint64(version), lang, deskLists{topics: topics, agents: agents})
	return topics, agents, nil
}
