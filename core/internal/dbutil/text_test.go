package dbutil

import "testing"

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"}, {"", ""}, {"a\x00b", "ab"}, {"x\xff\xfey", "x\uFFFDy"}, {"\x00\xff", "\uFFFD"}, {"été", "été"},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestJSONText(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":"b"}`, `{"a":"b"}`},
		{`["a\u0000b"]`, `["ab"]`},
		{`["a\\u0000b"]`, `["a\\u0000b"]`}, // an escaped backslash, then text
		{`["a\\\u0000b"]`, `["a\\b"]`},
		{"[\"\xff\"]", "[\"\uFFFD\"]"},
	}
	for _, tt := range tests {
		if got := string(JSONText([]byte(tt.in))); got != tt.want {
			t.Errorf("JSONText(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
