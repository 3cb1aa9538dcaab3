package web

import (
	"io/fs"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

// routes registers every page and action, top to bottom. Every route runs
// securityHeaders and loadSession, every POST checkCSRF; pages behind
// sign-in run requireUser, admin pages requireAdmin.
func (u *UI) routes(app *fiber.App) {
	static, _ := fs.Sub(staticFS, "static")
	app.Use("/static", securityHeaders, filesystem.New(filesystem.Config{Root: http.FS(static), MaxAge: 3600}))

	base := []fiber.Handler{securityHeaders, u.loadSession, u.checkCSRF}
	open := func(h fiber.Handler) []fiber.Handler { return append(append([]fiber.Handler{}, base...), h) }
	user := func(h fiber.Handler) []fiber.Handler {
		return append(append([]fiber.Handler{}, base...), u.requireUser, h)
	}
	admin := func(h fiber.Handler) []fiber.Handler {
		return append(append([]fiber.Handler{}, base...), u.requireUser, u.requireAdmin, h)
	}

	// Sign-in (signin.go).
	app.Get("/", open(u.handleHome)...)
	app.Get("/signin", open(u.handleSignInForm)...)
	app.Post("/signin", append(append(append([]fiber.Handler{}, base...), u.signInLimits()...), u.handleSignIn)...)
	app.Post("/signout", open(u.handleSignOut)...)

	// Projects (project_list.go).
	app.Get("/projects", user(u.handleProjects)...)
	app.Post("/projects", admin(u.handleCreateProject)...)

	// Project settings, admins only (settings.go).
	app.Get("/projects/:id/settings", admin(u.handleSettings)...)
	app.Post("/projects/:id/settings", admin(u.handleSettingsAction)...)

	// Grouping rules, read-only, and a preview of changed ones (rules.go).
	app.Get("/rules", user(u.handleRules)...)
	app.Post("/rules/preview", admin(u.handlePreview)...)

	// Issues (issue_list.go, issue_show.go, issue_action.go).
	app.Get("/projects/:id/issues", user(u.handleIssues)...)
	app.Post("/projects/:id/issues/bulk", user(u.handleBulk)...)
	app.Get("/issues/:id", user(u.handleIssue)...)
	app.Get("/issues/:id/events/:event_id", user(u.handleIssue)...)
	app.Get("/issues/:id/events/:event_id/json", user(u.handleEventJSON)...)
	app.Get("/issues/:id/events/:event_id/attachments/:attachment_id", user(u.handleAttachment)...)
	app.Post("/issues/:id/status", user(u.handleStatus)...)
	app.Post("/issues/:id/merge", user(u.handleMerge)...)
	app.Post("/issues/:id/delete", user(u.handleDelete)...)
}
