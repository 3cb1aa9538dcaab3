package notifier

import "testing"

func TestAlertLabel(t *testing.T) {
	for kind, want := range map[string]string{
		KindNewIssue:   "New issue",
		KindRegression: "Regression",
		KindThreshold:  "Threshold reached",
		"":             "New issue",
		"future_kind":  "New issue",
	} {
		if got := (Alert{Kind: kind}).Label(); got != want {
			t.Errorf("Alert{Kind: %q}.Label() = %q, want %q", kind, got, want)
		}
	}
}
