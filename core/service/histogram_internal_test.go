package service

import (
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

func TestHistogramBuckets(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 30, 0, 0, time.UTC) // the day after Feb 28
	hourly := []core.Bucket{
		{Start: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), Count: 2},   // this hour
		{Start: time.Date(2026, 2, 28, 11, 0, 0, 0, time.UTC), Count: 3},  // 23 hours ago: first hourly bucket
		{Start: time.Date(2026, 2, 28, 10, 0, 0, 0, time.UTC), Count: 5},  // 24 hours ago: only in the days
		{Start: time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), Count: 7},   // the first of the 30 days
		{Start: time.Date(2026, 1, 30, 23, 0, 0, 0, time.UTC), Count: 11}, // before them
	}
	st := histogram(hourly, now)
	if len(st.Hours) != 24 || len(st.Days) != 30 {
		t.Fatalf("%d hours and %d days, want 24 and 30", len(st.Hours), len(st.Days))
	}
	if !st.Hours[0].Start.Equal(time.Date(2026, 2, 28, 11, 0, 0, 0, time.UTC)) || st.Hours[0].Count != 3 || st.Hours[23].Count != 2 {
		t.Errorf("hours: first %+v, last %+v", st.Hours[0], st.Hours[23])
	}
	var hours, days int64
	for _, b := range st.Hours {
		hours += b.Count
	}
	for _, b := range st.Days {
		days += b.Count
	}
	if hours != 5 || days != 17 {
		t.Errorf("hours sum to %d, days to %d; want 5 and 17", hours, days)
	}
	if !st.Days[0].Start.Equal(time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)) || st.Days[0].Count != 7 ||
		!st.Days[29].Start.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) || st.Days[29].Count != 2 || st.Days[28].Count != 8 {
		t.Errorf("days: first %+v, last two %+v %+v", st.Days[0], st.Days[28], st.Days[29])
	}
}
