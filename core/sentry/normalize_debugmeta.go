package sentry

import (
	"strings"

	"github.com/periscope-hq/periscope/core"
)

// debugMeta reads the images of the debug_meta interface (kept raw by the
// parser) that symbolication needs: type, debug_id and code_file. Images
// that are not objects are skipped; nil when none remain.
func (n *normalizer) debugMeta(i int) *core.DebugMeta {
	if i < 0 || n.t.kind(i) != jRaw {
		return nil
	}
	sub := getTree()
	defer putTree(sub)
	if err := sub.parse(n.t.nodes[i].str); err != nil || sub.kind(0) != jObject {
		return nil
	}
	list := sub.get(0, "images")
	if sub.kind(list) != jArray {
		return nil
	}
	var dm core.DebugMeta
	sub.children(list, func(c int) {
		if sub.kind(c) != jObject {
			return
		}
		var img core.DebugImage
		img.Type, _ = sub.str(sub.get(c, "type"))
		img.DebugID, _ = sub.str(sub.get(c, "debug_id"))
		img.CodeFile, _ = sub.str(sub.get(c, "code_file"))
		img.DebugID = strings.ToLower(img.DebugID)
		if img.Type != "" || img.DebugID != "" {
			dm.Images = append(dm.Images, img)
		}
	})
	if len(dm.Images) == 0 {
		return nil
	}
	return &dm
}
