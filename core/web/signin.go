package web

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/periscope-hq/periscope/core"
)

// setupData is what a fresh install shows: the command that creates the
// first user.
type setupData struct{ Command string }

const firstUserCommand = "periscope user create --email you@example.com --role admin"

// noUsers reports a fresh install.
func (u *UI) noUsers(c *fiber.Ctx) (bool, error) {
	n, err := u.svc.Store.CountUsers(c.UserContext())
	return n == 0, err
}

func (u *UI) handleHome(c *fiber.Ctx) error {
	if viewerOf(c).User != nil {
		return c.Redirect("/projects", fiber.StatusSeeOther)
	}
	return c.Redirect("/signin", fiber.StatusSeeOther)
}

type signInData struct {
	Email, Next, Error string
}

func (u *UI) handleSignInForm(c *fiber.Ctx) error {
	if none, err := u.noUsers(c); err != nil {
		return u.fail(c, err)
	} else if none {
		return u.render(c, fiber.StatusOK, "setup", "Create the first user", setupData{firstUserCommand})
	}
	v := viewerOf(c)
	if v.User != nil {
		return c.Redirect(safeNext(c.Query("next")), fiber.StatusSeeOther)
	}
	if err := u.ensureCSRF(v); err != nil {
		return u.fail(c, err)
	}
	return u.render(c, fiber.StatusOK, "signin", "Sign in", signInData{Next: c.Query("next")})
}

// signInLimits slows down wrong passwords: Fiber's limiter counts failed
// sign-ins (any answer of 400 or more) per email and per client address
// for a minute and answers 429 past the limit.
func (u *UI) signInLimits() []fiber.Handler {
	tooMany := func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderRetryAfter, "60")
		return u.renderError(c, fiber.StatusTooManyRequests, "Too many wrong passwords: wait a minute and try again.")
	}
	account := limiter.New(limiter.Config{
		Max: u.opts.AccountAttempts, Expiration: time.Minute, SkipSuccessfulRequests: true, LimitReached: tooMany,
		KeyGenerator: func(c *fiber.Ctx) string {
			f, _ := formOf(c)
			return "account:" + strings.ToLower(strings.TrimSpace(f.Get("email")))
		},
	})
	address := limiter.New(limiter.Config{
		Max: u.opts.AddressAttempts, Expiration: time.Minute, SkipSuccessfulRequests: true, LimitReached: tooMany,
		KeyGenerator: func(c *fiber.Ctx) string { return "address:" + c.IP() },
	})
	return []fiber.Handler{address, account}
}

func (u *UI) handleSignIn(c *fiber.Ctx) error {
	f, _ := formOf(c)
	email, next := f.Get("email"), f.Get("next")
	usr, err := u.svc.Authenticate(c.UserContext(), email, f.Get("password"))
	if core.ErrorCode(err) == core.EUNAUTHORIZED {
		return u.render(c, fiber.StatusUnauthorized, "signin", "Sign in", signInData{Email: email, Next: next, Error: "Wrong email or password."})
	} else if err != nil {
		return u.fail(c, err)
	}
	v := viewerOf(c)
	// A new session id at sign-in: a token planted before cannot ride it.
	if err := v.sess.Regenerate(); err != nil {
		return u.fail(c, err)
	}
	v.sess.Set(keyUser, usr.ID)
	v.sess.Set(keyCSRF, randomToken())
	if err := v.sess.Save(); err != nil {
		return u.fail(c, err)
	}
	return c.Redirect(safeNext(next), fiber.StatusSeeOther)
}

func (u *UI) handleSignOut(c *fiber.Ctx) error {
	if err := viewerOf(c).sess.Destroy(); err != nil {
		return u.fail(c, err)
	}
	return c.Redirect("/signin", fiber.StatusSeeOther)
}

// safeNext keeps a redirect target on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/projects"
	}
	return next
}
