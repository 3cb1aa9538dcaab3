package http

import (
	"crypto/sha256"
	"crypto/subtle"
	"math"
	"net"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/periscope-hq/periscope/core"
)

// adminFailuresPerMinute is how many wrong admin keys one address may send
// in a burst, and per minute after it. Past that every admin request from
// the address is answered 429 until its bucket refills, whether the key is
// right or not: otherwise the answer would still tell a right guess.
// Successful requests take nothing.
const adminFailuresPerMinute = 30

// requireAdmin checks the bearer token in constant time (the hashes are
// compared, so not even the key's length leaks) and limits failed
// attempts per client address.
func (s *Server) requireAdmin(c *fiber.Ctx) error {
	if s.opts.AdminKey == "" {
		return s.adminError(c, core.Errorf(core.EUNAUTHORIZED, "the admin API is disabled: set API_SECRET_KEY_ADMIN"))
	}
	addr := "admin:" + clientNet(c.IP())
	if wait := s.adminFails.emptyFor(addr, adminFailuresPerMinute); wait > 0 {
		return s.adminLockedOut(c, wait)
	}
	token, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	got, want := sha256.Sum256([]byte(strings.TrimSpace(token))), sha256.Sum256([]byte(s.opts.AdminKey))
	if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		if wait := s.adminFails.take(addr, adminFailuresPerMinute, 1); wait > 0 {
			return s.adminLockedOut(c, wait)
		}
		return s.adminError(c, core.Errorf(core.EUNAUTHORIZED, "missing or invalid admin key (Authorization: Bearer <API_SECRET_KEY_ADMIN>)"))
	}
	// Admin handlers read c.Body(): give them the body, read within the
	// limit and the budget.
	body, err := s.readBody(c, s.opts.MaxEnvelopeSize+wireSlack)
	if err != nil {
		return s.adminError(c, err)
	}
	c.Request().SetBodyRaw(body)
	return c.Next()
}

func (s *Server) adminLockedOut(c *fiber.Ctx, wait int) error {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(wait))
	return s.adminError(c, core.Errorf(core.ERATELIMITED, "too many failed admin authentications from this address; retry in %d s", wait))
}

// clientNet is the unit failed attempts are counted by: the address for
// IPv4, its /64 for IPv6 (one host usually holds a whole /64).
func clientNet(ip string) string {
	p := net.ParseIP(ip)
	if p == nil || p.To4() != nil {
		return ip
	}
	return p.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// emptyFor returns the seconds until the bucket name (of capacity
// perMinute) holds a token again, 0 when it holds one now; it takes
// nothing.
func (l *limiter) emptyFor(name string, perMinute int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets.Peek(name)
	if !ok {
		return 0
	}
	rate := float64(perMinute) / 60
	tokens := math.Min(float64(perMinute), b.tokens+l.now().Sub(b.last).Seconds()*rate)
	if tokens >= 1 {
		return 0
	}
	return int(math.Ceil((1 - tokens) / rate))
}
