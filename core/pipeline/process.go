package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sentry"
)

// processOne normalizes and groups one accepted event and hands it to the
// writer. It never panics and never drops the event.
func (p *Pipeline) processOne(e *entry) {
	p.slots.Add(-1)
	a := e.acc
	it := p.process(a)
	it.seq, it.replay = e.seq, e.replay
	p.stats.Processed.Add(1)
	// Blocking publish: when the writer is behind, workers wait, the
	// accepted topic fills, and ingestion answers 429.
	if err := p.processed.Publish(context.Background(), it); err != nil {
		// Only possible if Stop closed the processed topic before the
		// workers finished, which Stop's ordering rules out.
		p.logger.Error("pipeline: processed topic closed early; event kept in log", "event_id", a.EventID, "err", err)
	}
}

func (p *Pipeline) process(a *core.Accepted) (it *item) {
	defer func() {
		if r := recover(); r != nil {
			p.stats.Panics.Add(1)
			p.logger.Error("pipeline: panic while processing an event", "event_id", a.EventID, "panic", r, "stack", string(debug.Stack()))
			it = rejected(a, fmt.Sprintf("internal error while processing: %v", r))
		}
	}()
	data, err := sentry.Normalize(a.Payload, sentry.NormalizeOptions{
		Received: a.Received,
		SentAt:   a.SentAt,
		EventID:  a.EventID,
		// The id ingestion answered with (the envelope header's, as in
		// Relay) is the one the event is stored under.
		ForceEventID: a.EventID != "",
		ClientIP:     a.ClientIP,
		ItemType:     a.ItemType,
		// Grouping does not read breadcrumbs, and only the payload is
		// stored: the API normalizes them when it serves the event.
		SkipBreadcrumbs: true,
	})
	if err != nil {
		return rejected(a, err.Error())
	}
	var normalized []byte
	if p.opts.Symbolicate != nil && p.opts.Symbolicate(context.Background(), a.ProjectID, data) {
		normalized = p.normalizedData(a, data)
	}
	g, fallbacks := p.group(data, a)
	title := sentry.Title(data)
	if g.Title != "" {
		title = g.Title
	}
	ev := &core.Event{
		ProjectID:   a.ProjectID,
		EventID:     data.EventID,
		Timestamp:   data.Timestamp,
		Received:    a.Received,
		Title:       title,
		Culprit:     sentry.Culprit(data),
		Level:       data.Level,
		Platform:    data.Platform,
		Release:     data.Release,
		Environment: data.Environment,
		Tags:        data.Tags,
		Message:     searchMessage(data, title),
		SDKName:     data.SDK.Name,
		SDKVersion:  data.SDK.Version,
		Grouping:    g,
		Payload:     a.Payload,
		Data:        normalized,
		Attachments: a.Attachments,
	}
	return &item{acc: a, event: ev, fallbacks: fallbacks}
}

// normalizedData is the JSON of an event processing changed, stored
// beside its payload so the API shows what grouping saw (the processed
// frames, the raw ones, and what went wrong). Breadcrumbs, which grouping
// skips, are read from the payload for it.
func (p *Pipeline) normalizedData(a *core.Accepted, data *core.EventData) []byte {
	if full, err := sentry.Normalize(a.Payload, sentry.NormalizeOptions{Received: a.Received, SentAt: a.SentAt,
		EventID: a.EventID, ForceEventID: a.EventID != "", ClientIP: a.ClientIP, ItemType: a.ItemType}); err == nil {
		data.Breadcrumbs = full.Breadcrumbs
	}
	b, err := json.Marshal(data)
	if err != nil {
		p.logger.Error("pipeline: processed event does not encode", "event_id", data.EventID, "err", err)
		return nil
	}
	return b
}

// group groups data with the project's configuration and, during a
// transition, returns the previous configuration's hash as a fallback when
// it differs.
func (p *Pipeline) group(data *core.EventData, a *core.Accepted) (core.Grouping, []core.Fingerprint) {
	g := p.grouper.GroupWithConfig(data, a.Grouping.Config)
	if !a.Grouping.InTransition(a.Received) {
		return g, nil
	}
	old := p.grouper.GroupWithConfig(data, a.Grouping.Previous)
	if old.Hash == g.Hash {
		return g, nil
	}
	return g, []core.Fingerprint{{Hash: old.Hash, Config: old.Config}}
}

func rejected(a *core.Accepted, reason string) *item {
	return &item{acc: a, rejected: &core.RejectedEvent{
		ProjectID: a.ProjectID,
		EventID:   a.EventID,
		Received:  a.Received,
		Reason:    reason,
		Payload:   a.Payload,
	}}
}

// searchMessage is the event's log message for its issue's search text, or
// "" when the title already says it.
func searchMessage(data *core.EventData, title string) string {
	if m := data.LogEntry.Text(); m != title {
		return m
	}
	return ""
}
