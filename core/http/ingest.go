package http

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sentry"
)

// IngestStats counts what ingestion did since start, by outcome.
type IngestStats struct {
	Accepted    atomic.Int64 // events handed to the pipeline
	RateLimited atomic.Int64 // events refused with 429
	Invalid     atomic.Int64 // requests refused with 4xx other than 429
	Other       atomic.Int64 // non-event items accepted and counted, not stored
	byType      itemCounts   // the items counted in Other, by type
}

// countedItemTypes are the names items_by_type reports: the envelope item
// types of the Sentry protocol (Relay's ItemType, sentry-protocol.md §3.4)
// that reach the counter, and Periscope's own reasons for not storing an
// item. Any other name a client sends is counted as "other", so the
// counters cannot grow with input.
var countedItemTypes = []string{
	"transaction", "attachment", "form_data", "raw_security", "nel", "unreal_report",
	"user_report", "feedback", "session", "sessions", "statsd", "metric_buckets",
	"client_report", "profile", "profile_chunk", "profile_chunk_ui", "replay_event",
	"replay_recording", "replay_video", "check_in", "log", "otel_log", "span",
	"otel_span", "otel_traces_data", "trace_metric", "integration",
	"attachment_over_limit", "report_not_stored", "unknown", "other",
}

// itemCounts holds one counter per name of countedItemTypes; the map is
// built once and only read afterwards, so it needs no lock.
type itemCounts map[string]*atomic.Int64

func (m itemCounts) get(typ string) *atomic.Int64 {
	if c, ok := m[typ]; ok {
		return c
	}
	return m["other"]
}

func newItemCounts() itemCounts {
	m := make(itemCounts, len(countedItemTypes))
	for _, t := range countedItemTypes {
		m[t] = new(atomic.Int64)
	}
	return m
}

// countItems counts n accepted items of a type that is not stored
// (transaction, session, span, client_report, check_in, profile, ...).
func (st *IngestStats) countItems(typ string, n int64) {
	if typ == "" {
		typ = "unknown"
	}
	st.Other.Add(n)
	st.byType.get(typ).Add(n)
}

// ItemsByType returns the counted (not stored) items by envelope item
// type: the protocol's types by name, every other name as "other". Types
// never seen are left out.
func (st *IngestStats) ItemsByType() map[string]int64 {
	out := map[string]int64{}
	for k, c := range st.byType {
		if n := c.Load(); n > 0 {
			out[k] = n
		}
	}
	return out
}

// Stats returns the ingestion counters.
func (s *Server) Stats() *IngestStats { return &s.stats }

// request is what one ingestion request resolved to.
type request struct {
	projectID int64
	key       *core.ProjectKey
	entry     keyEntry
	received  time.Time
}

// authenticate resolves the credentials of a request (or, when absent, the
// envelope header's dsn) to an active key of the path's project.
func (s *Server) authenticate(c *fiber.Ctx, envHeaderDSN func() (string, error)) (*request, error) {
	projectID, err := strconv.ParseInt(c.Params("project_id"), 10, 64)
	if err != nil || projectID <= 0 {
		return nil, core.Errorf(core.EINVALID, "invalid project path parameter")
	}
	auth, found, err := sentry.ParseAuth(c.Get("X-Sentry-Auth"), c.Get(fiber.HeaderAuthorization), string(c.Request().URI().QueryString()))
	if err != nil {
		return nil, unauthorized(err)
	}
	publicKey := auth.PublicKey
	if !found {
		if envHeaderDSN == nil {
			return nil, core.Errorf(core.EUNAUTHORIZED, "missing authorization information")
		}
		dsn, err := envHeaderDSN()
		if err != nil || dsn == "" {
			return nil, core.Errorf(core.EUNAUTHORIZED, "bad envelope authentication header")
		}
		key, dsnProject, err := sentry.ParseDSN(dsn)
		if err != nil {
			return nil, core.Errorf(core.EUNAUTHORIZED, "bad envelope authentication header")
		}
		if dsnProject != projectID {
			return nil, core.Errorf(core.EFORBIDDEN, "event submission rejected with_reason: ProjectId")
		}
		publicKey = key
	}
	if v := auth.Version; v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f > 7 {
			return nil, core.Errorf(core.EINVALID, "unsupported protocol version (%s)", v)
		}
	}
	if i := strings.IndexByte(publicKey, '.'); i >= 0 { // "key.no-cache" flags
		publicKey = publicKey[:i]
	}
	if len(publicKey) != 32 {
		return nil, core.Errorf(core.EUNAUTHORIZED, "invalid public key")
	}
	e, err := s.keys.find(c.UserContext(), strings.ToLower(publicKey))
	if core.IsNotFound(err) {
		return nil, core.Errorf(core.EUNAUTHORIZED, "unknown public key")
	} else if err != nil {
		return nil, err
	}
	if e.key.RevokedAt != nil {
		return nil, core.Errorf(core.EFORBIDDEN, "event submission rejected with_reason: DisabledKey")
	}
	if e.key.ProjectID != projectID {
		return nil, core.Errorf(core.EFORBIDDEN, "event submission rejected with_reason: ProjectId")
	}
	return &request{projectID: projectID, key: e.key, entry: e, received: time.Now().UTC()}, nil
}

func unauthorized(err error) error {
	var e *core.Error
	if errors.As(err, &e) && e.Code == core.EINVALID && strings.Contains(e.Message, "version") {
		return e // an unsupported protocol version is a 400, as in Relay
	} else if errors.As(err, &e) {
		return &core.Error{Code: core.EUNAUTHORIZED, Message: e.Message}
	}
	return core.Errorf(core.EUNAUTHORIZED, "bad authorization: %v", err)
}

// quota is one quota that refused events: its scope as Relay names it in
// X-Sentry-Rate-Limits ("key", "project", "organization") and the seconds
// until it has room again.
type quota struct {
	scope string
	wait  int
}

// overQuota applies the key's quota (its own, else the server's default
// per key) and the project's to n events: it returns every quota that
// refuses them, none when they are allowed.
func (s *Server) overQuota(r *request, n int) []quota {
	keyRate := r.key.RateLimit
	if keyRate == 0 {
		keyRate = s.opts.RateLimit
	}
	var over []quota
	if w := s.limiter.take("k:"+r.key.PublicKey, keyRate, n); w > 0 {
		over = append(over, quota{"key", w})
	}
	if w := s.limiter.take("p:"+strconv.FormatInt(r.projectID, 10), r.entry.projectRate, n); w > 0 {
		over = append(over, quota{"project", w})
	}
	return over
}

// rateLimit applies the key's and the project's quotas to n events.
func (s *Server) rateLimit(c *fiber.Ctx, r *request, n int) error {
	if over := s.overQuota(r, n); len(over) > 0 {
		if err := s.tooManyRequests(c, over...); err != nil {
			return err
		}
		// The 429 is written; the caller must stop without submitting.
		return errResponded
	}
	return nil
}

// errResponded tells a handler's caller that the response is already
// written: returned to Fiber, it is not turned into an error answer.
var errResponded = errors.New("response already written")

// tooManyRequests answers 429 with the headers every SDK reads: one
// X-Sentry-Rate-Limits entry per quota that applied (for every category),
// and Retry-After the longest of their waits.
func (s *Server) tooManyRequests(c *fiber.Ctx, over ...quota) error {
	longest := 1
	limits := make([]string, len(over))
	for i, q := range over {
		sec := max(q.wait, 1)
		longest = max(longest, sec)
		limits[i] = strconv.Itoa(sec) + "::" + q.scope
	}
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(longest))
	c.Set("X-Sentry-Rate-Limits", strings.Join(limits, ", "))
	return c.Status(fiber.StatusTooManyRequests).JSON(fiber.Map{
		"detail": "Sentry dropped data due to a quota or internal rate limit being reached. This will not affect your application.",
	})
}

// unavailableRetry is the Retry-After of a 503 while the database cannot
// write, in seconds.
const unavailableRetry = 5

// unwritable returns the sink's channel that is closed while the
// database cannot write (pipeline.Pipeline.Unwritable), or nil (never
// ready) for a sink without one.
func (s *Server) unwritable() <-chan struct{} {
	if u, ok := s.Sink.(interface{ Unwritable() <-chan struct{} }); ok {
		return u.Unwritable()
	}
	return nil
}

// unavailable answers 503 with the headers every SDK reads, for an
// EUNAVAILABLE error: the database cannot store events now.
func (s *Server) unavailable(c *fiber.Ctx, err error) error {
	s.Logger.Debug("ingest: database unavailable", "err", err)
	sec := strconv.Itoa(unavailableRetry)
	c.Set(fiber.HeaderRetryAfter, sec)
	c.Set("X-Sentry-Rate-Limits", sec+"::organization")
	return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{
		"detail": "the server cannot store events right now; retry after " + sec + " seconds",
	})
}

// submit hands accepted events to the pipeline: all of them, or none (429)
// when the pipeline or the spool is full, 503 when the database or the
// spool cannot be written. With ingest.ack: spooled the pipeline returns
// once each event is fsynced to the spool. With ingest.ack: committed it
// waits for the commit, and answers 503 when the commit failed for a
// storage error: it never answers 200 for an event that is not in the
// database.
func (s *Server) submit(c *fiber.Ctx, evs []*core.Accepted) error {
	for i, ev := range evs {
		if s.opts.AckCommitted {
			ev.Done = make(chan error, 1)
		}
		if err := s.Sink.Submit(ev); err != nil {
			if i > 0 {
				// The earlier events are accepted; the rest cannot be
				// taken back from the SDK, so say 429 and let it retry:
				// duplicates of the same event_id are stored once.
				s.Logger.Warn("pipeline full in the middle of an envelope", "accepted", i, "of", len(evs))
			}
			s.countRateLimited(ev.ProjectID, len(evs)-i)
			switch core.ErrorCode(err) {
			case core.ERATELIMITED:
				return s.tooManyRequests(c, quota{"organization", 1})
			case core.EUNAVAILABLE:
				return s.unavailable(c, err)
			}
			return s.ingestError(c, err)
		}
		s.countAccepted(ev.ProjectID, 1)
	}
	if s.opts.AckCommitted {
		down := s.unwritable()
		for _, ev := range evs {
			select {
			case <-down:
				// The database cannot write: the event stays queued and is
				// stored once it can, but it is not committed now.
				return s.unavailable(c, errors.New("the database cannot write"))
			case err := <-ev.Done:
				if core.ErrorCode(err) == core.EUNAVAILABLE {
					// Not committed: the database cannot write. The event
					// stays queued and is stored once it can; the SDK's
					// retry is stored once (same event_id).
					return s.unavailable(c, err)
				}
				if err != nil {
					// Kept as a rejected event; the SDK cannot do better by
					// retrying, so the answer stays 200.
					s.Logger.Debug("event rejected after commit wait", "event_id", ev.EventID, "reason", err)
				}
			case <-c.UserContext().Done():
				return c.UserContext().Err()
			}
		}
	}
	return nil
}

// eventIDOf returns the event id of a payload without normalizing it.
func eventIDOf(payload []byte) string {
	var v struct {
		EventID string `json:"event_id"`
	}
	if json.Unmarshal(payload, &v) != nil {
		return ""
	}
	return sentry.NormalizeEventID(v.EventID)
}
