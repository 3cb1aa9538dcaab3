package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
)

// decodeJSON reads the request body into v, strictly: an unknown field, a
// value of the wrong type and trailing data are EINVALID, naming the field
// when there is one.
func decodeJSON(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return core.Errorf(core.EINVALID, "request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return core.Errorf(core.EINVALID, "invalid JSON body: trailing data after the object")
	}
	return nil
}

// jsonError turns an encoding/json error into an EINVALID error naming the
// field it is about.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return core.Errorf(core.EINVALID, "request body must be a JSON object")
		}
		return core.FieldErrorf(te.Field, "%s must be %s, not a JSON %s", te.Field, jsonTypeName(te.Type.String()), te.Value)
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return core.Errorf(core.EINVALID, "invalid JSON body: times must be RFC 3339 (2006-01-02T15:04:05Z): %v", err)
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		name, _ = strconv.Unquote(name)
		return core.FieldErrorf(name, "unknown field %q", name)
	}
	return core.Errorf(core.EINVALID, "invalid JSON body: %v", err)
}

// jsonTypeName describes a Go type in JSON's words.
func jsonTypeName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map["), strings.HasPrefix(goType, "struct"), strings.Contains(goType, "."):
		if goType == "time.Time" {
			return "an RFC 3339 time string"
		}
		return "an object"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "an integer"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	}
	return goType
}

// idParam parses a numeric path parameter; a non-number is ENOTFOUND, as
// no entity can have that id.
func idParam(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, core.Errorf(core.ENOTFOUND, "no %s %q", name, c.Params(name))
	}
	return id, nil
}

// pageLimit reads ?limit= (1..1000, default 100).
func pageLimit(c *fiber.Ctx) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, core.FieldErrorf("limit", "limit must be a number from 1 to 1000")
	}
	return n, nil
}

// timeQuery reads an RFC 3339 query parameter; absent is the zero time.
func timeQuery(c *fiber.Ctx, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, core.FieldErrorf(name, "%s must be an RFC 3339 time (2006-01-02T15:04:05Z)", name)
	}
	return t, nil
}

// onlyQuery refuses query parameters other than allowed, naming the first
// unknown one: a misspelt filter must not silently select everything.
func onlyQuery(c *fiber.Ctx, allowed ...string) error {
	var bad string
	c.Context().QueryArgs().VisitAll(func(k, _ []byte) {
		if bad != "" {
			return
		}
		name := string(k)
		for _, a := range allowed {
			if a == name {
				return
			}
		}
		bad = name
	})
	if bad != "" {
		return core.FieldErrorf(bad, "unknown query parameter %q (allowed: %s)", bad, strings.Join(allowed, ", "))
	}
	return nil
}
