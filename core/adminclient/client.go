package adminclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// Client calls one server's admin API. Its fields are read-only once it is
// in use; a Client is safe for concurrent use.
type Client struct {
	// BaseURL is the server's scheme and host, e.g. http://127.0.0.1:8000.
	BaseURL string
	// Key is the admin key sent as a bearer token.
	Key string
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
}

// New returns a client of the server at baseURL (a trailing slash is
// dropped) using the admin key.
func New(baseURL, key string, hc *http.Client) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), Key: key, HTTP: hc}
}

// errorBody is the admin API's error answer.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// statusCodes maps the HTTP statuses of core/http's table back to codes.
var statusCodes = map[int]string{
	http.StatusBadRequest:            core.EINVALID,
	http.StatusUnauthorized:          core.EUNAUTHORIZED,
	http.StatusForbidden:             core.EFORBIDDEN,
	http.StatusNotFound:              core.ENOTFOUND,
	http.StatusConflict:              core.ECONFLICT,
	http.StatusRequestEntityTooLarge: core.ETOOLARGE,
	http.StatusTooManyRequests:       core.ERATELIMITED,
}

// codeOf returns the code of an HTTP status: the table's, EINTERNAL for
// 5xx and any other status.
func codeOf(status int) string {
	if c, ok := statusCodes[status]; ok {
		return c
	}
	return core.EINTERNAL
}

// Do sends method path with in JSON-encoded (when not nil) and decodes a
// 2xx answer into out (when not nil). Any other answer is a *core.Error:
// the code, message and field of the API's error body, or, for a body
// without one, the status's code and a message naming the request.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return core.Errorf(core.EINVALID, "%s %s: %v", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Key)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return core.Errorf(core.EINTERNAL, "cannot reach %s: %v", c.BaseURL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return core.Errorf(core.EINTERNAL, "reading the answer of %s: %v", c.BaseURL, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var eb errorBody
		_ = json.Unmarshal(data, &eb)
		e := &core.Error{Code: eb.Error.Code, Message: eb.Error.Message, Field: eb.Error.Field}
		if e.Code == "" {
			e.Code = codeOf(resp.StatusCode)
		}
		if e.Message == "" {
			e.Message = fmt.Sprintf("%s %s: %s", method, path, resp.Status)
		}
		return e
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if raw, ok := out.(*[]byte); ok {
		*raw = data
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: the answer is not what this client expects: %w", method, path, err)
	}
	return nil
}

// query builds a request's query string; zero values are left out, as
// the API reads a missing parameter as no filter.
type query url.Values

func (q query) str(k, v string) {
	if v != "" {
		url.Values(q).Set(k, v)
	}
}

func (q query) int(k string, n int64) {
	if n != 0 {
		url.Values(q).Set(k, strconv.FormatInt(n, 10))
	}
}

func (q query) time(k string, t time.Time) {
	if !t.IsZero() {
		url.Values(q).Set(k, t.Format(time.RFC3339))
	}
}

// on returns path with the query, if any.
func (q query) on(path string) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + url.Values(q).Encode()
}
