package rules

import "testing"

func TestParameterize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"user 123 not found", "user <int> not found"},
		{"Failed to connect to 192.168.0.1:5432", "Failed to connect to <ip>:<int>"},
		{"balance -12 and -3.5 and 2.25", "balance <int> and <float> and <float>"},
		{"took 150ms, retry in 5s or 1.5s", "took <duration>, retry in <duration> or <duration>"},
		{"job 15s late", "job 1<duration> late"}, // a single digit before "s", as in Sentry
		{"addr 0xdeadbeef", "addr <hex>"},
		{"id=9f8b4a2c-1d3e-4f5a-8b6c-7d8e9f0a1b2c done", "id=<uuid> done"},
		{"sha da39a3ee5e6b4b0d3255bfef95601890afd80709 md5 d41d8cd98f00b204e9800998ecf8427e", "sha <sha1> md5 <md5>"},
		{"mail bob.smith+x@mail.example.org now", "mail <email> now"},
		{"GET https://api.example.com/v1/items?id=3 failed", "GET <url> failed"},
		{"host db-01.prod.example.com down", "host <hostname> down"},
		{"at 2024-01-01T00:00:00Z and 2024-01-02 10:11:12.345", "at <date> and <date>"},
		{"on 2019-04-17 at 22:31:45", "on <date> at <date>"},
		{"Wed Apr 17 22:31:45 2019: boom", "<date>: boom"},
		{"Tue, 02 Jan 2024 15:04:05 GMT expired", "<date> expired"},
		{"Jan 02, 2006 closed", "<date> closed"},
		{"key='abc' flag=true other=False", "key=<quoted_str> flag=<bool> other=<bool>"},
		{`name="x y"`, "name=<quoted_str>"},
		{"via ::1 and fe80::1%eth0 and 2001:db8::ff00:42:8329", "via <ip> and <ip> and <ip>"},
		{"abc123 v2 x_9", "abc123 v2 x_9"}, // digits inside words stay
		{"no variables here", "no variables here"},
		{"", ""},
	} {
		if got := Parameterize(tc.in); got != tc.want {
			t.Errorf("Parameterize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestParameterizeReference pins the points where the patterns follow the
// reference (protocol notes §7.8 and the parameterization module they
// cite): its top-100 TLD list (no internal, local or dev; news, club, wiki,
// link and tips included, all upper or all lower case), host labels that
// may start or end with '-' and are taken as few as possible, email
// domains of [a-zA-Z0-9-] labels, URLs whose first character after "://"
// is not one of "/$.?#" followed by any one character, "ms" durations with
// no boundary after them, and non-empty quoted strings.
func TestParameterizeReference(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"redis.internal down", "redis.internal down"},
		{"api.local refused", "api.local refused"},
		{"cache.svc.dev timed out", "cache.svc.dev timed out"},
		{"my.app.dev timed out", "<hostname>.dev timed out"},
		{"feed.example.news down", "<hostname> down"},
		{"golf.club wiki.wiki go.link hints.tips free.tk", "<hostname> <hostname> <hostname> <hostname> <hostname>"},
		{"EXAMPLE.COM and example.com and Example.Com", "<hostname> and <hostname> and Example.Com"},
		{"a-.example.com", "<hostname>"},
		{"x.com.evil.net", "<hostname>.<hostname>"},
		{"cdn.example.info/x", "<hostname>/x"},
		{"mail a@b-.c now", "mail <email> now"},
		{"mail a@-x-.org now", "mail <email> now"},
		{"see http://x", "see http://x"},
		{"see http:///path", "see http:///path"},
		{"see http://a b", "see <url>"},
		{"see wss://h.example.com/s?x=1, then", "see <url> then"},
		{"took 150msec", "took <duration>ec"},
		{"k='' and v=\"\"", "k='' and v=\"\""},
		{"k='x'", "k=<quoted_str>"},
	} {
		if got := Parameterize(tc.in); got != tc.want {
			t.Errorf("Parameterize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTrimLines(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"one line", "one line"},
		{"a\nb", "a\nb"},
		{"a\nb\n", "a\nb..."},
		{"\n\na\n  \nb\nc", "a\nb..."},
		{"a\r\nb\rc", "a\nb..."},
		{"a\u2028b", "a\nb..."}, // Python splitlines also breaks on U+2028
	} {
		if got := trimLines(tc.in); got != tc.want {
			t.Errorf("trimLines(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzParameterize(f *testing.F) {
	for _, s := range []string{"user 1", "a@b.c", "http://x", "=true", "::1", "2024-01-01", "0x1f", "-1.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Parameterize(s)
		if Parameterize(out) != Parameterize(out) {
			t.Fatal("not deterministic")
		}
	})
}

// TestParamMatchers checks that each hand-written matcher agrees with the
// regular expression it replaces, on inputs built from a small alphabet
// that exercises digits, separators and word boundaries.
func TestParamMatchers(t *testing.T) {
	alphabet := []string{"0", "7", "9", "a", "f", "x", "s", "m", "-", ".", ":", " ", "_", "com", "io", "ms", "Z"}
	var inputs []string
	seed := uint32(1)
	for i := 0; i < 20000; i++ {
		var b []byte
		for j := 0; j < 1+i%12; j++ {
			seed = seed*1664525 + 1013904223
			b = append(b, alphabet[seed>>16%uint32(len(alphabet))]...)
		}
		inputs = append(inputs, string(b))
	}
	inputs = append(inputs, "9f8b4a2c-1d3e-4f5a-8b6c-7d8e9f0a1b2c", "9f8b4a2c-1d3e-4f5a-8b6c-7d8e9f0a1b2cx",
		"da39a3ee5e6b4b0d3255bfef95601890afd80709", "d41d8cd98f00b204e9800998ecf8427e", "db-01.prod.example.com.x",
		"a-.example.com", "example.community", "0xfeedbeef", "0xfeedbeefg", "1.5s", "15ms", "1.s")
	for _, a := range paramAlts {
		if a.fn == nil {
			continue
		}
		for _, in := range inputs {
			want := 0
			if loc := a.rx.FindStringIndex(in); loc != nil {
				want = loc[1]
			}
			if got := a.fn(in); got != want {
				t.Errorf("%s (%s) on %q: hand-written %d, regexp %d", a.name, a.re, in, got, want)
			}
		}
	}
}
