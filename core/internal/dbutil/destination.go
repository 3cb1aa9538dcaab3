package dbutil

import (
	"fmt"

	"github.com/periscope-hq/periscope/core"
)

// DestinationKey is what makes a destination unique: its project (0 for
// every project) and name.
type DestinationKey struct {
	ProjectID int64
	Name      string
}

// ConfigDestinations validates the destinations SyncConfigDestinations
// receives, sets their Source to "config", and returns their configs as
// JSON. A repeated project and name is EINVALID.
func ConfigDestinations(ds []*core.Destination) ([]string, error) {
	seen := map[DestinationKey]bool{}
	configs := make([]string, len(ds))
	for i, d := range ds {
		d.Source = SourceConfig
		if err := ValidateDestination(d); err != nil {
			return nil, err
		}
		k := DestinationKey{d.ProjectID, d.Name}
		if seen[k] {
			return nil, core.FieldErrorf("name", "destination %q is listed twice for project %d", d.Name, d.ProjectID)
		}
		seen[k] = true
		var err error
		if configs[i], err = EncodeConfig(d.Config); err != nil {
			return nil, err
		}
	}
	return configs, nil
}

// ConfigDestinationConflict is the ECONFLICT of a config destination whose
// name an API destination of the same project already has.
func ConfigDestinationConflict(d *core.Destination) error {
	where := "every project"
	if d.ProjectID != 0 {
		where = fmt.Sprintf("project %d", d.ProjectID)
	}
	return core.Errorf(core.ECONFLICT, "destination %q of %s already exists (created through the admin API); rename one of them", d.Name, where)
}
