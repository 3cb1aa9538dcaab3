package sqlq

import (
	"context"
	"fmt"
)

// PendingNotifications counts the outbox's pending notifications by the
// plugin of their destination.
func PendingNotifications(ctx context.Context, c Conn) (map[string]int64, error) {
	out := map[string]int64{}
	err := c.Query(ctx, `SELECT d.plugin, count(*) FROM notifications n JOIN destinations d ON d.id = n.destination_id
		WHERE n.state = 'pending' GROUP BY d.plugin`, nil, func(s Scanner) error {
		var plugin string
		var n int64
		if err := s.Scan(&plugin, &n); err != nil {
			return err
		}
		out[plugin] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: count pending notifications: %w", c.Dialect().Name, err)
	}
	return out, nil
}
