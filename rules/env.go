package rules

import (
	"github.com/periscope-hq/periscope/core"
)

// Env is what a grouping rule's expressions see: one event, flattened for
// people who write `when` conditions and fingerprints. Field names in
// expressions are the snake_case names of the expr tags.
//
//	exception.type in ["OperationalError", "ConnectionRefusedError"]
//	any(in_app_frames, {.module startsWith "db."})
//	tags["db.host"] ?? "unknown"
//	matches(message, "timeout after \\d+s") && lower(logger) == "worker"
type Env struct {
	// Type and Value are those of the raised exception (the last one).
	Type  string `expr:"type"`
	Value string `expr:"value"`
	// Message is the formatted log message, else its template, else the
	// raised exception's value.
	Message     string `expr:"message"`
	Level       string `expr:"level"`
	Platform    string `expr:"platform"`
	Logger      string `expr:"logger"`
	Transaction string `expr:"transaction"`
	Release     string `expr:"release"`
	Dist        string `expr:"dist"`
	Environment string `expr:"environment"`
	ServerName  string `expr:"server_name"`
	// Tags maps tag names to values (the first value wins on duplicates).
	Tags     map[string]string `expr:"tags"`
	Contexts map[string]any    `expr:"contexts"`
	User     map[string]any    `expr:"user"`
	Request  map[string]any    `expr:"request"`
	Extra    map[string]any    `expr:"extra"`
	SDK      SDKEnv            `expr:"sdk"`
	// Exception is the raised exception (zero when there is none);
	// Exceptions is the whole chain, oldest first.
	Exception  ExceptionEnv   `expr:"exception"`
	Exceptions []ExceptionEnv `expr:"exceptions"`
	// Frames holds the frames of every stack of the event (exception
	// stacks oldest exception first, else the top-level or thread stack),
	// each oldest first; InAppFrames only those that are the application's
	// after the built-in stack trace rules.
	Frames      []FrameEnv `expr:"frames"`
	InAppFrames []FrameEnv `expr:"in_app_frames"`
	// Fingerprint is the fingerprint the SDK sent, if any.
	Fingerprint []string `expr:"fingerprint"`
	// Default holds the values the default grouping hashes (Sentry's
	// contributing components), e.g. ["main", "run", "*pq.Error"].
	Default []string `expr:"default"`
}

// SDKEnv names the SDK that sent the event.
type SDKEnv struct {
	Name    string `expr:"name"`
	Version string `expr:"version"`
}

// ExceptionEnv is one exception of the chain.
type ExceptionEnv struct {
	Type      string `expr:"type"`
	Value     string `expr:"value"`
	Module    string `expr:"module"`
	Mechanism string `expr:"mechanism"`
	// Handled is false only when the SDK reported the error unhandled.
	Handled bool       `expr:"handled"`
	Frames  []FrameEnv `expr:"frames"`
}

// FrameEnv is one stack frame.
type FrameEnv struct {
	Module   string `expr:"module"`
	Function string `expr:"function"`
	Filename string `expr:"filename"`
	AbsPath  string `expr:"abs_path"`
	Package  string `expr:"package"`
	Lineno   int    `expr:"lineno"`
	InApp    bool   `expr:"in_app"`
}

// envNeeds says which expensive parts of the environment some compiled
// expression reads.
type envNeeds struct {
	inApp, def bool
}

// newEnv flattens ev. Default components and in-app flags after stack
// trace rules are only computed when needs asks for them.
func newEnv(ev *core.EventData, needs envNeeds, d *Defaults) *Env {
	env := &Env{
		Message:     eventMessage(ev),
		Level:       ev.Level,
		Platform:    ev.Platform,
		Logger:      ev.Logger,
		Transaction: ev.Transaction,
		Release:     ev.Release,
		Dist:        ev.Dist,
		Environment: ev.Environment,
		ServerName:  ev.ServerName,
		Contexts:    ev.Contexts,
		User:        ev.User,
		Request:     ev.Request,
		Extra:       ev.Extra,
		SDK:         SDKEnv{Name: ev.SDK.Name, Version: ev.SDK.Version},
		Fingerprint: ev.Fingerprint,
	}
	if len(ev.Tags) > 0 {
		env.Tags = make(map[string]string, len(ev.Tags))
		for _, t := range ev.Tags {
			if _, dup := env.Tags[t.Key]; !dup {
				env.Tags[t.Key] = t.Value
			}
		}
	}
	var enh *Enhancements
	if needs.inApp {
		enh = d.enhancements()
	}
	addStack := func(st *core.Stacktrace, exc *core.Exception) []FrameEnv {
		if st == nil || len(st.Frames) == 0 {
			return nil
		}
		var inApp []bool
		if enh != nil {
			s := newStackState(st, ev.Platform, exc, enh, d.config())
			inApp = make([]bool, len(s.frames))
			for i := range s.frames {
				inApp[i] = s.frames[i].inApp
			}
		}
		out := make([]FrameEnv, len(st.Frames))
		for i := range st.Frames {
			f := &st.Frames[i]
			fe := FrameEnv{Module: f.Module, Function: f.Function, Filename: f.Filename,
				AbsPath: f.AbsPath, Package: f.Package, Lineno: f.Lineno}
			if inApp != nil {
				fe.InApp = inApp[i]
			} else {
				fe.InApp = f.InApp != nil && *f.InApp
			}
			out[i] = fe
			env.Frames = append(env.Frames, fe)
			if fe.InApp {
				env.InAppFrames = append(env.InAppFrames, fe)
			}
		}
		return out
	}
	if n := len(ev.Exceptions); n > 0 {
		env.Exceptions = make([]ExceptionEnv, n)
		for i := range ev.Exceptions {
			e := &ev.Exceptions[i]
			x := ExceptionEnv{Type: e.Type, Value: e.Value, Module: e.Module, Handled: true}
			if m := e.Mechanism; m != nil {
				x.Mechanism = m.Type
				if m.Handled != nil && !*m.Handled {
					x.Handled = false
				}
			}
			x.Frames = addStack(e.Stacktrace, e)
			env.Exceptions[i] = x
		}
		env.Exception = env.Exceptions[n-1]
		env.Type, env.Value = env.Exception.Type, env.Exception.Value
	}
	if len(env.Frames) == 0 {
		if ev.Stacktrace != nil {
			addStack(ev.Stacktrace, nil)
		} else if st := crashStack(ev); st != nil {
			addStack(st, nil)
		}
	}
	if needs.def {
		if p := Primary(d.variants(ev, nil, true)); p != nil {
			env.Default = p.Values()
		}
	}
	return env
}
