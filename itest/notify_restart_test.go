package itest

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

type restartError struct{}

func (restartError) Error() string { return "stopped while pending" }

// waitArrived waits until the blocking receiver holds a request.
func waitArrived(t *testing.T, r *Receiver) {
	t.Helper()
	select {
	case <-r.arrived:
	case <-time.After(60 * time.Second):
		t.Fatal("no notification reached the receiver within 60s")
	}
}

// notificationOf returns the one notification of the issue's new-issue
// alert.
func notificationOf(t *testing.T, s *Server, projectID, issueID int64) (state string, attempts int, errs []string) {
	t.Helper()
	as := s.Alerts(t, projectID, fmt.Sprintf("?kind=new_issue&issue_id=%d", issueID))
	if len(as) != 1 || len(as[0].Notifications) != 1 {
		t.Fatalf("issue %d: alerts %+v, want one with one notification", issueID, as)
	}
	n := as[0].Notifications[0]
	for _, a := range n.AttemptLog {
		errs = append(errs, a.Error)
	}
	return n.State, n.Attempts, errs
}

// TestNotifyPluginCrashAndRestart shows that no notification is lost when
// the plugin process is killed mid-delivery, when Periscope itself is
// killed mid-delivery, and when it is stopped while a notification waits
// for its retry.
func TestNotifyPluginCrashAndRestart(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db DB) {
		gate := NewReceiver(t, "block")
		s := StartServer(t, db, `
notify:
  poll_interval: 200ms
  attempt_timeout: 5s
  lease: 6s
  backoff: {base: 200ms, max: 1s, max_attempts: 50}
`)
		p := s.CreateProject("crash-app")
		s.CreateDestination(t, p.ID, map[string]any{"name": "gate", "plugin": "webhook", "config": map[string]any{"url": gate.URL}})
		hub, _ := newGoClient(t, p.Keys[0].DSN)

		// 1. The plugin process dies while it is delivering.
		sendError(t, hub, &quotaError{1})
		waitArrived(t, gate)
		killed := s.pluginPIDs(t, "webhook")
		if len(killed) == 0 {
			t.Fatal("no webhook plugin process is running while a delivery is in flight")
		}
		gate.SetMode("ok")
		killPIDs(t, killed)
		WaitFor(t, 60*time.Second, "delivery after the plugin was killed", func() bool { return len(gate.DeliveredKind(t, "new_issue")) == 1 })
		first := gate.DeliveredKind(t, "new_issue")[0]
		WaitFor(t, 10*time.Second, "the delivery to be recorded", func() bool {
			state, _, _ := notificationOf(t, s, p.ID, first.Issue.ID)
			return state == "delivered"
		})
		if _, attempts, errs := notificationOf(t, s, p.ID, first.Issue.ID); attempts != 2 || len(errs) != 2 || errs[0] == "" || errs[1] != "" {
			t.Errorf("after the plugin crash: %d attempts %q, want a failed one then a success", attempts, errs)
		}
		if now := s.pluginPIDs(t, "webhook"); len(now) == 0 || slices.ContainsFunc(now, func(pid int) bool { return slices.Contains(killed, pid) }) {
			t.Errorf("webhook plugin processes %v after killing %v: want a new one", now, killed)
		}

		// 2. Periscope dies (SIGKILL) while it is delivering; the lease runs
		// out and the restarted server delivers.
		gate.SetMode("block")
		sendError(t, hub, &burstError{1})
		waitArrived(t, gate)
		s.Crash(t)
		gate.SetMode("ok")
		s.Start()
		WaitFor(t, 60*time.Second, "delivery after Periscope was killed", func() bool { return len(gate.DeliveredKind(t, "new_issue")) == 2 })

		// 3. Periscope is stopped while a notification waits for a retry.
		gate.SetMode("down")
		sendError(t, hub, restartError{})
		var third int64
		WaitFor(t, 60*time.Second, "a failed attempt", func() bool {
			for _, a := range s.Alerts(t, p.ID, "?kind=new_issue&limit=1") {
				if len(a.Notifications) == 1 && a.Notifications[0].Attempts > 0 && a.Notifications[0].State == "pending" {
					third = a.IssueID
					return true
				}
			}
			return false
		})
		s.Stop()
		if s.exitErr != nil {
			t.Fatalf("periscope exited with %v on SIGTERM:\n%s", s.exitErr, s.Logs())
		}
		gate.SetMode("ok")
		s.Start()
		WaitFor(t, 60*time.Second, "delivery after the restart", func() bool { return len(gate.DeliveredKind(t, "new_issue")) == 3 })
		WaitFor(t, 10*time.Second, "the delivery to be recorded", func() bool {
			state, _, _ := notificationOf(t, s, p.ID, third)
			return state == "delivered"
		})
		if _, attempts, errs := notificationOf(t, s, p.ID, third); attempts < 2 || errs[len(errs)-1] != "" {
			t.Errorf("after the restart: %d attempts %q, want failures then a success", attempts, errs)
		}

		// Every notification arrived exactly once (answered 200), and
		// nothing is left pending or failed.
		keys := map[string]int{}
		for _, pl := range gate.DeliveredKind(t, "new_issue") {
			keys[pl.IdempotencyKey]++
		}
		if len(keys) != 3 {
			t.Errorf("delivered %v, want 3 distinct notifications", keys)
		}
		for k, n := range keys {
			if n != 1 {
				t.Errorf("notification %s answered 200 %d times", k, n)
			}
		}
		for _, a := range s.Alerts(t, p.ID, "") {
			for _, n := range a.Notifications {
				if n.State != "delivered" {
					t.Errorf("alert %d: notification %s is %s (%s)", a.ID, n.IdempotencyKey, n.State, n.LastError)
				}
			}
		}
	})
}
