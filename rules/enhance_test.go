package rules

import (
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
)

func TestParseEnhancementsErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"stack.module:foo", "1:17: a rule needs at least one action"},
		{"bogus:foo -app", "1:1: unknown matcher \"bogus\""},
		{"\n\nfamily:martian -app", "3:1: bad family"},
		{"function:x +fly", "unknown flag \"fly\""},
		{"function:x max-frames=many", "max-frames needs a non-negative integer"},
		{"[ function:a ] function:b -group", "expected '|' after caller matchers"},
		{`function:"unterminated -app`, "unterminated quoted string"},
		{"-app", "a rule needs at least one matcher"},
	} {
		_, err := ParseEnhancements(tc.text)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseEnhancements(%q) error %v, want it to contain %q", tc.text, err, tc.want)
		}
	}
	e, err := ParseEnhancements("# comment only\n\n  \nfunction:a -group # trailing comment\n")
	if err != nil || e.Len() != 1 {
		t.Fatalf("got %v rules, err %v; want 1 rule", e.Len(), err)
	}
}

// stackFor applies rules to frames (function names, oldest first) and
// returns the resulting states.
func stackFor(t *testing.T, rules string, platform string, fns ...string) *stackState {
	t.Helper()
	e, err := ParseEnhancements(rules)
	if err != nil {
		t.Fatal(err)
	}
	st := &core.Stacktrace{}
	for _, fn := range fns {
		st.Frames = append(st.Frames, core.Frame{Function: fn, InApp: boolp(true)})
	}
	return newStackState(st, platform, nil, e, config2023)
}

func groups(s *stackState) string {
	var b strings.Builder
	for _, f := range s.frames {
		switch {
		case f.group < 0:
			b.WriteByte('-')
		case f.group > 0:
			b.WriteByte('+')
		default:
			b.WriteByte('.')
		}
	}
	return b.String()
}

func TestEnhancementRanges(t *testing.T) {
	for _, tc := range []struct{ rules, want string }{
		{"function:c -group", "..-.."},
		{"function:c ^-group", "...--"},
		{"function:c v-group", "--..."},
		{"function:c ^-group -group v+group", "++---"},
		{"[ function:b ] | function:c -group", "..-.."},
		{"[ function:x ] | function:c -group", "....."},
		{"function:c | [ function:d ] -group", "..-.."},
		{"!function:c -group", "--.--"},
		{"function:[ab] -group", "--..."},
	} {
		s := stackFor(t, tc.rules, "go", "a", "b", "c", "d", "e")
		if got := groups(s); got != tc.want {
			t.Errorf("%q: groups %s, want %s", tc.rules, got, tc.want)
		}
	}
}

func TestEnhancementAppAndCategories(t *testing.T) {
	// Categories are assigned in the first pass, so a group rule written
	// before the category rule still sees the category.
	s := stackFor(t, "category:noise -group\nfunction:b category=noise\nfunction:c -app", "go", "a", "b", "c")
	if got := groups(s); got != ".-." {
		t.Errorf("groups %s, want .-.", got)
	}
	if s.frames[2].inApp || !s.frames[0].inApp {
		t.Errorf("in-app flags %v %v %v, want true true false", s.frames[0].inApp, s.frames[1].inApp, s.frames[2].inApp)
	}
	// max-frames keeps the newest contributing frames.
	s = stackFor(t, "function:a max-frames=2", "go", "a", "b", "c")
	app, _ := stacktraceComponents(s, "go")
	if got := app.Values(); !equalStrings(got, []string{"b", "c"}) {
		t.Errorf("max-frames values %q, want [b c]", got)
	}
	// Exception matchers restrict a rule to stacks of matching exceptions.
	e, _ := ParseEnhancements("error.type:Boom function:b -group")
	st := &core.Stacktrace{Frames: []core.Frame{{Function: "a"}, {Function: "b"}}}
	if got := groups(newStackState(st, "go", &core.Exception{Type: "Boom"}, e, config2023)); got != ".-" {
		t.Errorf("with matching exception: %s, want .-", got)
	}
	if got := groups(newStackState(st, "go", &core.Exception{Type: "Other"}, e, config2023)); got != ".." {
		t.Errorf("with other exception: %s, want ..", got)
	}
}

func TestTrimFunctionName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Scaleform::GFx::AS3::IMEManager::DispatchEvent(char const *,char const *)", "Scaleform::GFx::AS3::IMEManager::DispatchEvent"},
		{"void foo::bar<int>(int) const", "foo::bar<T>"},
		{"<lambda_5db80dab47756d3e72c2dcd38b80b1dd>::operator()", "<lambda_5db80dab47756d3e72c2dcd38b80b1dd>::operator()"},
		{"<sentry::integrations::log::Logger as log::Log>::log", "sentry::integrations::log::Logger::log"},
		{"std::rt::lang_start::{{closure}}", "std::rt::lang_start::{{closure}}"},
		{"?A0xc3a0617d::crash", "`anonymous namespace'::crash"},
		{"(anonymous namespace)::start(int)", "(anonymous namespace)::start"},
		{"-[UIApplication sendAction:to:from:forEvent:]", "-[UIApplication sendAction:to:from:forEvent:]"},
		{"Foo::operator<<(std::ostream&)", "Foo::operator<<"},
	} {
		if got := trimFunctionName(tc.in, false); got != tc.want {
			t.Errorf("trimFunctionName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := trimFunctionName("<lambda_5db80dab47756d3e72c2dcd38b80b1dd>::operator()", true); got != "<lambda>::operator()" {
		t.Errorf("lambda normalization: %q", got)
	}
}
