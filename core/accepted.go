package core

import "time"

// Accepted is one event accepted by ingestion and not yet processed: what
// the HTTP layer puts on the "event.accepted" topic. Once ingestion has
// answered 200 for it, the pipeline must store it as an event or as a
// rejected event; it is never dropped.
type Accepted struct {
	ProjectID int64
	PublicKey string
	// EventID is the id the SDK gave (envelope or item header), 32 hex; may
	// be empty, then the payload's or a generated one is used.
	EventID  string
	ItemType string // "event" (errors and messages) or a security report type
	// Payload is the event JSON exactly as received (decompressed).
	Payload     []byte
	Attachments []*Attachment
	Received    time.Time
	SentAt      time.Time // envelope header sent_at, for clock drift
	ClientIP    string
	// Grouping is the project's grouping configuration as ingestion last
	// looked it up (the zero value groups with the server's default).
	Grouping GroupingSettings
	// Done, when not nil, receives exactly one value once the event is
	// committed (nil) or kept as rejected (its reason); ingest.ack:
	// committed waits on it.
	Done chan error
}
