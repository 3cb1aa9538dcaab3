// Package sourcemap symbolicates JavaScript events: it maps the frames of
// minified bundles back to their original files, lines, columns and
// function names with the source maps sentry-cli uploaded (kept by the
// store as artifact bundles), fills context lines from the maps'
// sourcesContent, and keeps the frames as sent in the exception's
// raw_stacktrace, as Sentry does.
//
// A frame's map is found by debug ID (the event's debug_meta images of
// type "sourcemap" name the debug ID of each bundle's code_file) or else
// by the event's release and dist and the frame's URL ("~/path" matches
// any scheme and host), through the bundle's minified file and its
// Sourcemap header.
//
// Parsed maps are cached in a bounded LRU (Symbolicator.Size entries),
// keyed by project and debug ID or release, dist and URL: a cached map
// costs no database access. A missing map, or one that does not parse,
// leaves the frames as sent and adds the reason to the event's errors
// ("js_no_source: URL", "js_invalid_source: URL: reason").
//
// Function names: the name of a frame's own function comes from its
// declaration in the minified file ("function l(" maps to the original
// name at l), or else from the call site in the calling frame (the name
// the caller's position maps to), or else stays as sent.
package sourcemap
