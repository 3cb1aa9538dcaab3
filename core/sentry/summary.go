package sentry

import "github.com/periscope-hq/periscope/core"

// MainException returns the exception an event reports, the one its title
// describes: the last (raised) one, or an exception group's main member;
// nil when the event has none.
func MainException(ev *core.EventData) *core.Exception {
	if ev == nil || len(ev.Exceptions) == 0 {
		return nil
	}
	return mainException(ev.Exceptions)
}

// TopFrames returns up to max frames of the main exception's stack trace
// (else the event's own stack or its crashed thread's), the newest first:
// the in-app frames, or, when the SDK marked none in-app, the newest frames
// whatever they are. Nil when there is no stack.
func TopFrames(ev *core.EventData, max int) []core.Frame {
	if ev == nil || max <= 0 {
		return nil
	}
	st := ev.Stacktrace
	if ex := MainException(ev); ex != nil && ex.Stacktrace != nil {
		st = ex.Stacktrace
	}
	if st == nil {
		st = crashedThreadStack(ev)
	}
	if st == nil {
		return nil
	}
	var inApp, any []core.Frame
	for i := len(st.Frames) - 1; i >= 0; i-- {
		f := st.Frames[i]
		if f.InApp != nil && *f.InApp && len(inApp) < max {
			inApp = append(inApp, f)
		}
		if len(any) < max {
			any = append(any, f)
		}
	}
	if len(inApp) > 0 {
		return inApp
	}
	return any
}
