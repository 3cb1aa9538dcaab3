package rules

// family is Sentry's behaviour family of a platform, as a bit so that
// matchers can hold a set.
type family uint8

const (
	famOther family = 1 << iota
	famNative
	famJS
	famAll = famOther | famNative | famJS
)

// familyOf maps a platform to its behaviour family: objc, cocoa, swift,
// native and c are native; javascript and node are javascript; anything
// else (go, python, java, php, ruby, csharp...) is other.
func familyOf(platform string) family {
	switch platform {
	case "objc", "cocoa", "swift", "native", "c":
		return famNative
	case "javascript", "node":
		return famJS
	}
	return famOther
}

// String names the family as rules spell it.
func (f family) String() string {
	switch f {
	case famNative:
		return "native"
	case famJS:
		return "javascript"
	case famOther:
		return "other"
	}
	return "all"
}

// parseFamilies reads "native,javascript" or "all".
func parseFamilies(s string) (family, bool) {
	var out family
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != ',' {
			continue
		}
		switch s[start:i] {
		case "all":
			out |= famAll
		case "native":
			out |= famNative
		case "javascript":
			out |= famJS
		case "other":
			out |= famOther
		case "":
		default:
			return 0, false
		}
		start = i + 1
	}
	return out, out != 0
}

// contextLinePlatform reports whether frames of platform use their context
// line for grouping.
func contextLinePlatform(platform string) bool {
	switch platform {
	case "javascript", "node", "python", "php", "ruby":
		return true
	}
	return false
}
