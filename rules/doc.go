// Package rules decides which issue an event belongs to. It has three
// layers, tried in order:
//
//  1. grouping rules written by the user in YAML, each a `when` condition
//     and a `fingerprint` list of expr-lang expressions (or Sentry
//     fingerprint-rule lines, which compile to the same engine);
//  2. the fingerprint the SDK sent, where "{{ default }}" expands to the
//     default grouping's values and other variables ({{ transaction }},
//     {{ type }}, {{ tags.X }}...) resolve from the event;
//  3. the default grouping: Sentry's algorithm under one of its two
//     grouping configurations, newstyle:2023-01-11 (the default) or
//     newstyle:2026-01-20 (configs.go lists what differs: exception child
//     order, the single-frame JavaScript check, multiprocessing context
//     lines, and the built-in stack rules, enhancements.txt and
//     enhancements2026.txt). It builds a tree of components (exception
//     type, stack frames, message...) per variant (app, system, default)
//     and hashes the contributing leaf values with MD5, so that
//     Periscope's hash for an event equals Sentry's under the same
//     configuration. Every decision names its configuration.
//
// An Engine holds one compiled rule set and is immutable: reloading rules
// builds a new Engine, and a Holder swaps it atomically, keeping the old one
// when the new rules do not compile. Engine.Group is safe for concurrent
// use and never fails: a rule that errors on an event is counted and the
// event falls through to the next layer.
//
// Rule expressions (see Env for the fields) may use expr-lang's operators
// and builtins (in, contains, startsWith, endsWith, matches, ??, any, all,
// filter, map, len, lower, upper, trim, split, join...) and these helpers:
//
//	match(s, regexp)      RE2 match (constant patterns are checked at load)
//	glob(s, pattern)      Sentry glob: * any run, ? one character, [abc]
//	iglob(s, pattern)     the same, case-insensitive
//	path_glob(p, pattern) path glob: ** crosses directories, \ is /, case-insensitive
//	parameterize(s)       Sentry's message normalization ("user <int> failed")
//	basename(p)           last element of a / or \ separated path
//
// Every expression is compiled once when the rules load; an unknown name or
// a type error stops the load with a *RuleError that gives the file, line
// and column of the offending character inside the YAML file.
//
// Every grouping decision records which layer decided (core.Grouping
// DecidedBy "rule", "sdk" or "default"), the rule or variant name and the
// contributing components, so "why are these grouped?" has an answer.
package rules
