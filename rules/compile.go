package rules

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	lru "github.com/hashicorp/golang-lru/v2"
)

// exprFunctions are the helpers rule expressions may call, on top of
// expr-lang's builtins (lower, upper, trim, split, any, all, filter, len...)
// and operators (contains, startsWith, endsWith, matches, in, ??).
var exprFunctions = []expr.Option{
	expr.Function("match", func(p ...any) (any, error) {
		re, err := cachedRegexp(p[1].(string))
		if err != nil {
			return nil, err
		}
		return re.MatchString(p[0].(string)), nil
	}, new(func(string, string) bool)),
	expr.Function("glob", func(p ...any) (any, error) {
		return cachedGlob(p[1].(string), false).match(p[0].(string)), nil
	}, new(func(string, string) bool)),
	expr.Function("iglob", func(p ...any) (any, error) {
		return cachedGlob(p[1].(string), true).match(strings.ToLower(p[0].(string))), nil
	}, new(func(string, string) bool)),
	expr.Function("path_glob", func(p ...any) (any, error) {
		g := cachedPathGlob(p[1].(string))
		return matchPath(g, g.prepare(p[0].(string))), nil
	}, new(func(string, string) bool)),
	expr.Function("parameterize", func(p ...any) (any, error) {
		return normalizeMessage(p[0].(string)), nil
	}, new(func(string) string)),
	expr.Function("basename", func(p ...any) (any, error) {
		s := strings.ReplaceAll(p[0].(string), `\`, "/")
		if s == "" {
			return "", nil
		}
		return path.Base(s), nil
	}, new(func(string) string)),
}

// patternCacheSize bounds each cache of compiled patterns. Rule
// expressions may build patterns from event data, so the caches hold the
// most recently used ones instead of growing with input.
const patternCacheSize = 4096

// compiledRegexp is a cached regexp.Compile result, error included.
type compiledRegexp struct {
	re  *regexp.Regexp
	err error
}

var (
	regexpCache = mustLRU[string, compiledRegexp](patternCacheSize)
	globCache   = mustLRU[string, *glob](patternCacheSize)
)

func mustLRU[K comparable, V any](size int) *lru.Cache[K, V] {
	c, err := lru.New[K, V](size)
	if err != nil {
		panic(err) // only for a size <= 0
	}
	return c
}

func cachedRegexp(s string) (*regexp.Regexp, error) {
	if v, ok := regexpCache.Get(s); ok {
		return v.re, v.err
	}
	re, err := regexp.Compile(s)
	regexpCache.Add(s, compiledRegexp{re, err})
	return re, err
}

func cachedGlob(s string, fold bool) *glob {
	key := "g:" + s
	if fold {
		key = "i:" + s
	}
	if g, ok := globCache.Get(key); ok {
		return g
	}
	g := compileGlob(s, false, fold)
	globCache.Add(key, g)
	return g
}

func cachedPathGlob(s string) *glob {
	key := "p:" + s
	if g, ok := globCache.Get(key); ok {
		return g
	}
	g := compileGlob(s, true, true)
	globCache.Add(key, g)
	return g
}

// needsVisitor records which costly parts of Env an expression reads and
// checks constant regular expressions given to match().
type needsVisitor struct {
	needs envNeeds
	err   *file.Error
}

// Visit implements ast.Visitor.
func (v *needsVisitor) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		switch n.Value {
		case "default":
			v.needs.def = true
		case "in_app_frames":
			v.needs.inApp = true
		}
	case *ast.MemberNode:
		if s, ok := n.Property.(*ast.StringNode); ok && s.Value == "in_app" {
			v.needs.inApp = true
		}
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok && id.Value == "match" && len(n.Arguments) == 2 {
			if s, ok := n.Arguments[1].(*ast.StringNode); ok && v.err == nil {
				if _, err := regexp.Compile(s.Value); err != nil {
					v.err = &file.Error{Location: s.Location(), Message: "invalid regular expression: " + err.Error()}
				}
			}
		}
	}
}

// compileExpr compiles one expression against Env. asBool asks for a
// boolean result. Errors carry the 1-based line and column within src.
func compileExpr(src string, asBool bool) (*vm.Program, envNeeds, int, int, error) {
	v := &needsVisitor{}
	opts := append([]expr.Option{expr.Env(Env{}), expr.Patch(v)}, exprFunctions...)
	if asBool {
		opts = append(opts, expr.AsBool())
	}
	prog, err := expr.Compile(src, opts...)
	if err == nil && v.err != nil {
		err = v.err.Bind(file.NewSource(src))
	}
	if err != nil {
		line, col, msg := 1, 1, err.Error()
		var fe *file.Error
		if errors.As(err, &fe) {
			line, col, msg = fe.Line, fe.Column+1, fe.Message
			if line == 0 {
				line = 1
			}
		}
		return nil, envNeeds{}, line, col, errors.New(msg)
	}
	return prog, v.needs, 0, 0, nil
}

// runString evaluates a fingerprint or title expression and renders the
// result as a string.
func runString(prog *vm.Program, env *Env) (string, error) {
	out, err := expr.Run(prog, env)
	if err != nil {
		return "", err
	}
	switch x := out.(type) {
	case string:
		return x, nil
	case nil:
		return "", nil
	case fmt.Stringer:
		return x.String(), nil
	}
	return fmt.Sprint(out), nil
}
