package sentry

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Clock-drift and timestamp clamps (§6.6).
const (
	driftTolerance = 55 * time.Minute
	maxFuture      = 60 * time.Second
	maxPast        = 30 * 24 * time.Hour
)

// timestamp sets ev.Timestamp: parsed, drift-corrected, clamped to
// [received-30d, received+60s], received when missing or invalid.
func (n *normalizer) timestamp() {
	recv := n.opts.Received
	ts, ok := time.Time{}, false
	if i := n.f.timestamp; !n.t.isNull(i) {
		if ts, ok = n.parseTime(i); !ok {
			n.invalid("timestamp")
		}
	}
	if sent := n.opts.SentAt; !sent.IsZero() {
		drift := recv.Sub(sent)
		if drift >= driftTolerance || drift <= -driftTolerance {
			n.drift = drift
			if ok {
				ts = ts.Add(drift)
			}
			n.note("clock_drift")
		}
	}
	switch {
	case !ok:
		ts = recv
	case ts.After(recv.Add(maxFuture)):
		ts = recv
		n.note("future_timestamp")
	case ts.Before(recv.Add(-maxPast)):
		ts = recv
		n.note("past_timestamp")
	}
	n.ev.Timestamp = ts
}

// parseTime reads a number of Unix seconds or an RFC 3339 string.
func (n *normalizer) parseTime(i int) (time.Time, bool) {
	if f, ok := n.t.float(i); ok {
		return unixSeconds(f)
	}
	if s, ok := n.t.str(i); ok {
		return ParseTimestamp(s)
	}
	return time.Time{}, false
}

func unixSeconds(f float64) (time.Time, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f < -62135596800 || f > 253402300799 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	us := math.Round(frac * 1e6)
	return time.Unix(int64(sec), int64(us)*1000).UTC(), true
}

// timeLayouts are the string forms SDKs send besides RFC 3339 with a zone.
var timeLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z0700",
}

// ParseTimestamp parses an event timestamp: RFC 3339 (with or without a
// zone, which then means UTC; a space is accepted for the "T") or a decimal
// number of Unix seconds. The result is UTC with microsecond precision;
// years past 9999 are rejected.
func ParseTimestamp(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if c := s[0]; c >= '0' && c <= '9' && !strings.ContainsAny(s, "-:") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, false
		}
		return unixSeconds(f)
	}
	ts, err := time.Parse(time.RFC3339Nano, s)
	for _, l := range timeLayouts {
		if err == nil {
			break
		}
		ts, err = time.Parse(l, s)
	}
	if err != nil || ts.Year() > 9999 {
		return time.Time{}, false
	}
	return ts.UTC().Truncate(time.Microsecond), true
}
