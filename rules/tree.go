package rules

import (
	"strconv"
	"strings"
)

// Format renders the tree as indented text, one node per line, a '*' after
// the id of contributing nodes and the hint in parentheses, leaf values
// quoted (the layout of Sentry's grouping snapshots).
func (c *Component) Format() string {
	var b strings.Builder
	c.format(&b, 0)
	return b.String()
}

func (c *Component) format(b *strings.Builder, depth int) {
	ind := strings.Repeat("  ", depth)
	b.WriteString(ind + c.ID)
	if c.Contributes() {
		b.WriteByte('*')
	}
	if c.Hint != "" {
		b.WriteString(" (" + c.Hint + ")")
	}
	b.WriteByte('\n')
	for _, l := range c.Leaves {
		b.WriteString(ind + "  " + strconv.Quote(l) + "\n")
	}
	for _, ch := range c.Children {
		ch.format(b, depth+1)
	}
}
