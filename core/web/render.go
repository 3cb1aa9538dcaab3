package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/periscope-hq/periscope/core"
)

// pages holds one template set per page, each with the shared layout.
type pages struct{ sets map[string]*template.Template }

var funcs = template.FuncMap{
	"sparkline": sparkline,
	"ago":       ago,
	"utc":       func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"iso":       func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"pretty":    pretty,
	"add":       func(a, b int) int { return a + b },
	"pct":       func(n, total int) string { return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(max(total, 1))) },
	"value":     value,
	"bytes":     byteSize,
}

// byteSize writes n bytes for people: "812 B", "14.2 KB", "3.1 MB".
func byteSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f KB", float64(n)/1000)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f GB", float64(n)/1e9)
}

func parsePages() (*pages, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, n := range names {
		if strings.HasSuffix(n, "/layout.html") {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		p.sets[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return p, nil
}

// page is what every template gets: who asks, the page's title and its
// own data.
type page struct {
	Title  string
	Viewer *viewer
	Notice string
	Data   any
}

// render executes a page into the response with status.
func (u *UI) render(c *fiber.Ctx, status int, name, title string, data any) error {
	t, ok := u.pages.sets[name]
	if !ok {
		return fmt.Errorf("web: no page %q", name)
	}
	var b bytes.Buffer
	p := page{Title: title, Viewer: viewerOf(c), Notice: c.Query("notice"), Data: data}
	if err := t.ExecuteTemplate(&b, "layout.html", p); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	c.Status(status).Type("html", "utf-8")
	return c.Send(b.Bytes())
}

// renderError answers a page that says msg.
func (u *UI) renderError(c *fiber.Ctx, status int, msg string) error {
	return u.render(c, status, "error", fmt.Sprintf("%d", status), msg)
}

// fail answers an error from the service as a page with its status.
func (u *UI) fail(c *fiber.Ctx, err error) error {
	switch core.ErrorCode(err) {
	case core.ENOTFOUND:
		return u.renderError(c, fiber.StatusNotFound, core.ErrorMessage(err))
	case core.EINVALID:
		return u.renderError(c, fiber.StatusBadRequest, core.ErrorMessage(err))
	case core.ECONFLICT:
		return u.renderError(c, fiber.StatusConflict, core.ErrorMessage(err))
	case core.EFORBIDDEN:
		return u.renderError(c, fiber.StatusForbidden, core.ErrorMessage(err))
	}
	u.log.Error("web", "method", c.Method(), "path", c.Path(), "err", err)
	return u.renderError(c, fiber.StatusInternalServerError, "Something went wrong on the server; it is logged.")
}

// sparkline draws counts as an inline SVG bar chart: one path, one
// 2-unit-wide bar per bucket with events (zero buckets cost nothing), so
// a list of 50 rows stays small. Only numbers reach the markup.
func sparkline(buckets []core.Bucket, label string) template.HTML {
	const h = 24
	var peak, total int64
	for _, b := range buckets {
		peak = max(peak, b.Count)
		total += b.Count
	}
	var s strings.Builder
	fmt.Fprintf(&s, `<svg class="spark" width="120" height="%d" viewBox="0 0 %d %d" preserveAspectRatio="none" role="img" aria-label="%s: %d events">`,
		h, 2*max(len(buckets), 1), h, template.HTMLEscapeString(label), total)
	if peak > 0 {
		s.WriteString(`<path d="`)
		for i, b := range buckets {
			if b.Count == 0 {
				continue
			}
			bh := max(1, int((h-2)*b.Count/peak))
			fmt.Fprintf(&s, "M%d %dh2v%dh-2z", 2*i, h-bh, bh)
		}
		s.WriteString(`"></path>`)
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String())
}

// ago says how long before now t was, roughly.
func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
}

// pretty indents JSON (raw or a value) for a <pre>.
func pretty(v any) string {
	var raw []byte
	switch x := v.(type) {
	case json.RawMessage:
		raw = x
	case []byte:
		raw = x
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		raw = b
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

// value renders a free-form value as text: strings as they are, the rest
// as compact JSON.
func value(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
