package http

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
)

// decodeJSON reads the request body into v, strictly: unknown fields and
// trailing data are EINVALID.
func decodeJSON(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(body) == 0 {
		return core.Errorf(core.EINVALID, "request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return core.Errorf(core.EINVALID, "invalid JSON body: %v", err)
	}
	if dec.More() {
		return core.Errorf(core.EINVALID, "invalid JSON body: trailing data after the object")
	}
	return nil
}

// idParam parses a numeric path parameter; a non-number is ENOTFOUND, as
// no entity can have that id.
func idParam(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, core.Errorf(core.ENOTFOUND, "no %s %q", name, c.Params(name))
	}
	return id, nil
}

// withDSNs fills each key's DSN from the public URL.
func (s *Server) withDSNs(p *core.Project) *core.Project {
	for _, k := range p.Keys {
		k.DSN = s.DSN(k)
	}
	if p.Keys == nil {
		p.Keys = []*core.ProjectKey{}
	}
	return p
}

// DSN returns the DSN of a key: http://<public_key>@<public host>/<id>.
func (s *Server) DSN(k *core.ProjectKey) string { return core.DSN(s.opts.PublicURL, k) }

type createProjectRequest struct {
	Name          string `json:"name"`
	RateLimit     int    `json:"rate_limit"`
	RetentionDays int    `json:"retention_days"`
}

func (s *Server) handleCreateProject(c *fiber.Ctx) error {
	var req createProjectRequest
	if err := decodeJSON(c, &req); err != nil {
		return s.adminError(c, err)
	}
	p := &core.Project{Name: req.Name, RateLimit: req.RateLimit, RetentionDays: req.RetentionDays}
	if err := p.Validate(); err != nil {
		return s.adminError(c, err)
	}
	if err := s.Store.CreateProject(c.UserContext(), p); err != nil {
		return s.adminError(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(s.withDSNs(p))
}

func (s *Server) handleListProjects(c *fiber.Ctx) error {
	ps, err := s.Store.FindProjects(c.UserContext())
	if err != nil {
		return s.adminError(c, err)
	}
	for _, p := range ps {
		s.withDSNs(p)
	}
	if ps == nil {
		ps = []*core.Project{}
	}
	return c.JSON(fiber.Map{"projects": ps})
}

func (s *Server) handleGetProject(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	p, err := s.Store.FindProjectByID(c.UserContext(), id)
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
	if req.RateLimit < 0 {
		return s.adminError(c, core.FieldErrorf("rate_limit", "rate_limit must not be negative"))
	}
	k := &core.ProjectKey{Label: req.Label, RateLimit: req.RateLimit}
	if err := s.Store.CreateKey(c.UserContext(), id, k); err != nil {
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
	if err := s.Store.RevokeKey(c.UserContext(), id, key); err != nil {
		return s.adminError(c, err)
	}
	s.keys.Forget(key)
	return c.SendStatus(fiber.StatusNoContent)
}
