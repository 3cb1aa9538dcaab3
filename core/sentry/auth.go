package sentry

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"

	"github.com/periscope-hq/periscope/core"
)

// Auth sources, in Relay's order of precedence.
const (
	SourceXSentryAuth   = "x-sentry-auth"
	SourceAuthorization = "authorization"
	SourceBasic         = "basic"
	SourceQuery         = "query"
	SourceEnvelope      = "envelope"
)

// MaxProtocolVersion is the highest sentry_version accepted.
const MaxProtocolVersion = 7

// Auth is the credentials of one request. PublicKey never carries Relay's
// ".flag" suffix; Secret is informational only (never validate it); Version
// is "7" when the client sent none; Source is one of the Source* constants.
type Auth struct {
	PublicKey, Secret, Client, Version string
	Source                             string
}

// ParseAuth reads the credentials of an ingestion request from the
// X-Sentry-Auth header, the Authorization header ("Sentry …" or "Basic …";
// other schemes are ignored) and the raw query string (used when it has a
// sentry_key parameter), as Relay does (§2.1–2.2): "Sentry" prefix in any
// case, pairs in any order separated by ",", whitespace trimmed, unknown
// keys ignored.
//
// found is false, with a nil error, when none of the sources is present.
// Errors are *core.Error: EUNAUTHORIZED when more than one source is present
// ("multiple authorization payloads detected"), when the header cannot be
// parsed, or when sentry_key is missing or empty; EINVALID when
// sentry_version is newer than MaxProtocolVersion.
func ParseAuth(xSentryAuth, authorization, rawQuery string) (a Auth, found bool, err error) {
	xs := strings.TrimSpace(xSentryAuth)
	az := strings.TrimSpace(authorization)
	var sources []string
	if xs != "" {
		sources = append(sources, SourceXSentryAuth)
	}
	if rest, ok := cutScheme(az, "sentry"); ok {
		sources = append(sources, SourceAuthorization)
		az = rest
	} else if rest, ok := cutScheme(az, "basic"); ok {
		sources = append(sources, SourceBasic)
		az = rest
	}
	var query url.Values
	if strings.Contains(rawQuery, "sentry_") {
		query, _ = url.ParseQuery(rawQuery)
		if _, ok := query["sentry_key"]; ok {
			sources = append(sources, SourceQuery)
		}
	}
	switch len(sources) {
	case 0:
		return Auth{}, false, nil
	case 1:
	default:
		return Auth{}, true, core.Errorf(core.EUNAUTHORIZED, "multiple authorization payloads detected")
	}
	a.Source = sources[0]
	switch a.Source {
	case SourceXSentryAuth:
		if rest, ok := cutScheme(xs, "sentry"); ok {
			xs = rest
		}
		a = parseAuthPairs(xs, a)
	case SourceAuthorization:
		a = parseAuthPairs(az, a)
	case SourceBasic:
		raw, err := base64.StdEncoding.DecodeString(az)
		if err != nil {
			return Auth{}, true, core.Errorf(core.EUNAUTHORIZED, "bad authorization header: invalid base64")
		}
		a.PublicKey, a.Secret, _ = strings.Cut(string(raw), ":")
	case SourceQuery:
		a.PublicKey = query.Get("sentry_key")
		a.Secret = query.Get("sentry_secret")
		a.Client = query.Get("sentry_client")
		a.Version = query.Get("sentry_version")
	}
	return finishAuth(a)
}

// finishAuth strips the key's ".flag" suffix and checks key and version.
func finishAuth(a Auth) (Auth, bool, error) {
	a.PublicKey = strings.TrimSpace(a.PublicKey)
	if i := strings.IndexByte(a.PublicKey, '.'); i >= 0 {
		a.PublicKey = a.PublicKey[:i]
	}
	if a.PublicKey == "" {
		return Auth{}, true, core.Errorf(core.EUNAUTHORIZED, "bad %s credentials: missing sentry_key", a.Source)
	}
	if a.Version == "" {
		a.Version = strconv.Itoa(MaxProtocolVersion)
	}
	v, err := strconv.ParseFloat(a.Version, 64)
	if err != nil {
		return Auth{}, true, core.Errorf(core.EUNAUTHORIZED, "bad %s credentials: invalid sentry_version %q", a.Source, a.Version)
	}
	if v > MaxProtocolVersion {
		return Auth{}, true, core.Errorf(core.EINVALID, "unsupported protocol version (%s)", a.Version)
	}
	return a, true, nil
}

// cutScheme removes a case-insensitive scheme word followed by whitespace.
func cutScheme(s, scheme string) (string, bool) {
	if len(s) <= len(scheme) || !strings.EqualFold(s[:len(scheme)], scheme) {
		return s, false
	}
	if c := s[len(scheme)]; c != ' ' && c != '\t' {
		return s, false
	}
	return strings.TrimSpace(s[len(scheme):]), true
}

// parseAuthPairs reads "k=v, k=v" pairs into a.
func parseAuthPairs(s string, a Auth) Auth {
	for part := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		v = strings.Trim(strings.TrimSpace(v), `"`)
		switch k {
		case "sentry_key":
			a.PublicKey = v
		case "sentry_secret":
			a.Secret = v
		case "sentry_client":
			a.Client = v
		case "sentry_version":
			a.Version = v
		}
	}
	return a
}

// ParseDSN parses a DSN ({scheme}://{key}[:{secret}]@{host}[:{port}][/{prefix}]/{project_id})
// into its public key (without a ".flag" suffix) and numeric project id.
// Errors are *core.Error with code EINVALID and Field "dsn".
func ParseDSN(dsn string) (publicKey string, projectID int64, err error) {
	u, err := url.Parse(strings.TrimSpace(dsn))
	if err != nil {
		return "", 0, core.FieldErrorf("dsn", "invalid DSN: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", 0, core.FieldErrorf("dsn", "invalid DSN: scheme must be http or https")
	}
	if u.Host == "" {
		return "", 0, core.FieldErrorf("dsn", "invalid DSN: missing host")
	}
	if u.User != nil {
		publicKey = u.User.Username()
	}
	if i := strings.IndexByte(publicKey, '.'); i >= 0 {
		publicKey = publicKey[:i]
	}
	if publicKey == "" {
		return "", 0, core.FieldErrorf("dsn", "invalid DSN: missing public key")
	}
	path := strings.TrimRight(u.Path, "/")
	last := path[strings.LastIndexByte(path, '/')+1:]
	projectID, perr := strconv.ParseInt(last, 10, 64)
	if perr != nil || projectID <= 0 {
		return "", 0, core.FieldErrorf("dsn", "invalid DSN: project id %q is not a positive number", last)
	}
	return publicKey, projectID, nil
}

// EnvelopeAuth reads the credentials of a request that has none from the
// envelope itself: the "dsn" of the header line of body (§2.4). It returns
// the Auth (Source "envelope") and the DSN's project id, or a *core.Error
// with code EUNAUTHORIZED ("bad envelope authentication header") when the
// header line is not a JSON object or its dsn is missing or invalid.
func EnvelopeAuth(body []byte) (Auth, int64, error) {
	line, _ := nextLine(body, 0)
	t := getTree()
	defer putTree(t)
	if err := t.parse(string(bytes.TrimSpace(line))); err != nil || t.nodes[0].kind != jObject {
		return Auth{}, 0, core.Errorf(core.EUNAUTHORIZED, "bad envelope authentication header")
	}
	dsn, ok := t.str(t.get(0, "dsn"))
	if !ok {
		return Auth{}, 0, core.Errorf(core.EUNAUTHORIZED, "bad envelope authentication header: no dsn")
	}
	key, pid, err := ParseDSN(dsn)
	if err != nil {
		return Auth{}, 0, core.Errorf(core.EUNAUTHORIZED, "bad envelope authentication header: %s", core.ErrorMessage(err))
	}
	return Auth{PublicKey: key, Version: strconv.Itoa(MaxProtocolVersion), Source: SourceEnvelope}, pid, nil
}
