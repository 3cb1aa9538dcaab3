package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// runHealthcheck asks a server's /readyz and exits 0 only for a 200: the
// container image's HEALTHCHECK, which has no curl. The address is --url,
// or 127.0.0.1 on the configured port.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	cfgPath := configFlag(fs)
	url := fs.String("url", "", "server base URL (default http://127.0.0.1:<server.port>)")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	base := *url
	if base == "" {
		c, err := loadConfig(*cfgPath)
		if err != nil {
			return err
		}
		base = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Server.Port))
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
	if err != nil {
		return withCode(exitUsage, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return errors.New("healthcheck: not ready: " + resp.Status + ": " + string(body))
	}
	fmt.Fprintln(stdout, "ready")
	return nil
}
