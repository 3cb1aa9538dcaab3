package http

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/service"
)

// projectJSON is a project as the admin API answers it: the stored
// fields, each key's DSN, and the retention that applies.
type projectJSON struct {
	*core.Project
	// EffectiveRetentionDays is RetentionDays when set, else the server's
	// default; 0 keeps events forever.
	EffectiveRetentionDays int `json:"effective_retention_days"`
}

// withDSNs fills each key's DSN from the public URL and the effective
// retention from the server's default.
func (s *Server) withDSNs(p *core.Project) projectJSON {
	for _, k := range p.Keys {
		k.DSN = s.DSN(k)
	}
	if p.Keys == nil {
		p.Keys = []*core.ProjectKey{}
	}
	days := p.RetentionDays
	if days == 0 {
		days = s.opts.DefaultRetentionDays
	}
	return projectJSON{Project: p, EffectiveRetentionDays: days}
}

// DSN returns the DSN of a key: http://<public_key>@<public host>/<id>.
func (s *Server) DSN(k *core.ProjectKey) string { return core.DSN(s.opts.PublicURL, k) }

type createProjectRequest struct {
	Name           string `json:"name"`
	RateLimit      int    `json:"rate_limit"`
	RetentionDays  int    `json:"retention_days"`
	GroupingConfig string `json:"grouping_config"`
}

func (s *Server) handleCreateProject(c *fiber.Ctx) error {
	var req createProjectRequest
	if err := decodeJSON(c, &req); err != nil {
		return s.adminError(c, err)
	}
	p, err := s.svc().CreateProject(c.UserContext(), service.CreateProjectInput{Name: req.Name, RateLimit: req.RateLimit, RetentionDays: req.RetentionDays, GroupingConfig: req.GroupingConfig})
	if err != nil {
		return s.adminError(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(s.withDSNs(p))
}

func (s *Server) handleListProjects(c *fiber.Ctx) error {
	ps, err := s.svc().FindProjects(c.UserContext())
	if err != nil {
		return s.adminError(c, err)
	}
	out := make([]projectJSON, len(ps))
	for i, p := range ps {
		out[i] = s.withDSNs(p)
	}
	return c.JSON(fiber.Map{"projects": out})
}

func (s *Server) handleGetProject(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	p, err := s.svc().FindProject(c.UserContext(), id)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(s.withDSNs(p))
}

type createKeyRequest struct {
	Label     string `json:"label"`
	RateLimit int    `json:"rate_limit"`
}

func (s *Server) handleCreateKey(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	var req createKeyRequest
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &req); err != nil {
			return s.adminError(c, err)
		}
	}
	k, err := s.svc().CreateKey(c.UserContext(), id, service.CreateKeyInput{Label: req.Label, RateLimit: req.RateLimit})
	if err != nil {
		return s.adminError(c, err)
	}
	k.DSN = s.DSN(k)
	return c.Status(fiber.StatusCreated).JSON(k)
}

func (s *Server) handleRevokeKey(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	key := c.Params("key")
	if err := s.svc().RevokeKey(c.UserContext(), id, key); err != nil {
		return s.adminError(c, err)
	}
	s.keys.Forget(key)
	return c.SendStatus(fiber.StatusNoContent)
}

type updateProjectRequest struct {
	Name           *string `json:"name"`
	RateLimit      *int    `json:"rate_limit"`
	RetentionDays  *int    `json:"retention_days"`
	GroupingConfig *string `json:"grouping_config"`
	// GroupingTransitionUntil moves (or, when not in the future, ends) the
	// transition in progress.
	GroupingTransitionUntil *string `json:"grouping_transition_until"`
}

// handleUpdateProject renames a project or changes its settings. A new
// rate limit applies to ingestion at once on this node (its cached keys
// are dropped), within the key cache's TTL on others.
func (s *Server) handleUpdateProject(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	var req updateProjectRequest
	if err := decodeJSON(c, &req); err != nil {
		return s.adminError(c, err)
	}
	var until *time.Time
	if req.GroupingTransitionUntil != nil {
		t, err := time.Parse(time.RFC3339, *req.GroupingTransitionUntil)
		if err != nil {
			return s.adminError(c, core.FieldErrorf("grouping_transition_until", "grouping_transition_until must be an RFC 3339 time (2006-01-02T15:04:05Z)"))
		}
		until = &t
	}
	p, err := s.svc().UpdateProject(c.UserContext(), id, core.ProjectUpdate{Name: req.Name, RateLimit: req.RateLimit, RetentionDays: req.RetentionDays,
		GroupingConfig: req.GroupingConfig, GroupingTransitionUntil: until})
	if err != nil {
		return s.adminError(c, err)
	}
	s.forgetKeys(c, id)
	return c.JSON(s.withDSNs(p))
}

// forgetKeys drops every key of a project from the ingestion cache.
func (s *Server) forgetKeys(c *fiber.Ctx, projectID int64) {
	keys, err := s.Store.FindKeys(c.UserContext(), projectID)
	if err != nil {
		return // the cache expires on its own
	}
	for _, k := range keys {
		s.keys.Forget(k.PublicKey)
	}
}

// handleDeleteProject hides the project at once (its keys stop working)
// and leaves its data to the background purge: 202.
func (s *Server) handleDeleteProject(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	keys, err := s.svc().DeleteProject(c.UserContext(), id)
	if err != nil {
		return s.adminError(c, err)
	}
	for _, k := range keys {
		s.keys.Forget(k.PublicKey)
	}
	s.kickPurge()
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"id": id, "status": "deleting"})
}

// handleListKeys lists every key of a project, revoked ones included.
func (s *Server) handleListKeys(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	keys, err := s.svc().FindKeys(c.UserContext(), id)
	if err != nil {
		return s.adminError(c, err)
	}
	for _, k := range keys {
		k.DSN = s.DSN(k)
	}
	return c.JSON(fiber.Map{"keys": keys})
}

type updateKeyRequest struct {
	Label     *string `json:"label"`
	RateLimit *int    `json:"rate_limit"`
}

func (s *Server) handleUpdateKey(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	var req updateKeyRequest
	if err := decodeJSON(c, &req); err != nil {
		return s.adminError(c, err)
	}
	key := c.Params("key")
	k, err := s.svc().UpdateKey(c.UserContext(), id, key, core.KeyUpdate{Label: req.Label, RateLimit: req.RateLimit})
	if err != nil {
		return s.adminError(c, err)
	}
	s.keys.Forget(key)
	k.DSN = s.DSN(k)
	return c.JSON(k)
}
