package http

// The Sentry web API routes sentry-cli uses to upload source maps, under
// /api/0/, authenticated by a project's API token (Authorization: Bearer,
// SENTRY_AUTH_TOKEN) and answered in Sentry's error shape {"detail": ...},
// which sentry-cli prints ("sentry reported an error: <detail> (http
// status: 4xx)").
//
// The exchange, recorded by pointing the real @sentry/cli 2.58 at a
// recording server (SENTRY_URL, SENTRY_ORG, SENTRY_PROJECT,
// SENTRY_AUTH_TOKEN):
//
//	sentry-cli sourcemaps upload DIR   (after sourcemaps inject DIR)
//	  GET  /api/0/organizations/{org}/chunk-upload/
//	       ← {"url", "chunkSize", "chunksPerRequest", "maxFileSize",
//	          "maxRequestSize", "concurrency", "hashAlgorithm": "sha1",
//	          "compression": ["gzip"], "accept": ["artifact_bundles", ...]}
//	  POST {url}   multipart/form-data, one part per chunk named
//	       "file_gzip" (gzip content) or "file", filename = the chunk's SHA-1
//	  POST /api/0/organizations/{org}/artifactbundle/assemble/
//	       {"checksum", "chunks": [...], "projects": ["slug"],
//	        "version"?, "dist"?}
//	       ← {"state": "created"|"assembling"|"ok"|"error"|"not_found",
//	          "missingChunks": [...], "detail"?}
//	       sentry-cli polls while "created"/"assembling" only with --wait;
//	       "not_found" makes it upload the missing chunks. Periscope
//	       assembles at once: "ok" or a 4xx whose detail says why.
//	The bundle is a zip with manifest.json: {"files": {path: {"type":
//	"minified_source"|"source_map", "url": "~/app.js", "headers":
//	{"debug-id", "sourcemap"}}}, "debug_id", "org", "project",
//	"release"?, "dist"?}.
//
//	sentry-cli releases new V
//	  POST /api/0/projects/{org}/{project}/releases/ {"version", "projects", "dateStarted"}
//	sentry-cli releases files V upload-sourcemaps --url-prefix '~/js' DIR
//	  the same chunk upload and assemble, with "version" and "dist"
//	sentry-cli releases finalize V
//	  PUT  /api/0/projects/{org}/{project}/releases/{version}/ {"projects", "dateReleased"}
//
// Anything else under /api/0/ is answered 404 with a detail naming what
// Periscope supports. The organization in paths is accepted as any value:
// Periscope has no organizations; the token decides the project.

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/service"
)

// tokenFailuresPerMinute bounds failed API token authentications per
// address (a guessing client is answered 429 after that).
const tokenFailuresPerMinute = 30

// chunkSize is the chunk size sentry-cli is told to upload in.
const chunkSize = 8 << 20

type tokenKey struct{}

// requireToken authenticates an API token and keeps it for the handler.
func (s *Server) requireToken(c *fiber.Ctx) error {
	addr := "token:" + clientNet(c.IP())
	if wait := s.adminFails.emptyFor(addr, tokenFailuresPerMinute); wait > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(wait))
		return s.sentryError(c, core.Errorf(core.ERATELIMITED, "too many failed API token authentications from this address; retry in %d s", wait))
	}
	secret, _ := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	t, err := s.svc().AuthenticateToken(c.UserContext(), strings.TrimSpace(secret))
	if err != nil {
		if core.ErrorCode(err) == core.EUNAUTHORIZED {
			if wait := s.adminFails.take(addr, tokenFailuresPerMinute, 1); wait > 0 {
				c.Set(fiber.HeaderRetryAfter, strconv.Itoa(wait))
				return s.sentryError(c, core.Errorf(core.ERATELIMITED, "too many failed API token authentications from this address; retry in %d s", wait))
			}
		}
		return s.sentryError(c, err)
	}
	c.Locals(tokenKey{}, t)
	return c.Next()
}

func token(c *fiber.Ctx) *core.APIToken {
	t, _ := c.Locals(tokenKey{}).(*core.APIToken)
	return t
}

// sentryError answers err in Sentry's shape, {"detail": "..."}.
func (s *Server) sentryError(c *fiber.Ctx, err error) error {
	code := core.ErrorCode(err)
	if code == core.EINTERNAL {
		s.Logger.Error("sentry api", "method", c.Method(), "path", c.Path(), "err", err)
	} else {
		s.Logger.Info("sentry api: refused", "method", c.Method(), "path", c.Path(), "status", StatusOf(err), "detail", core.ErrorMessage(err))
	}
	return c.Status(StatusOf(err)).JSON(fiber.Map{"detail": core.ErrorMessage(err)})
}

// handleChunkOptions tells sentry-cli how to upload.
func (s *Server) handleChunkOptions(c *fiber.Ctx) error {
	if _, err := s.svc().TokenProject(c.UserContext(), token(c), "", core.ScopeReleases); err != nil {
		return s.sentryError(c, err)
	}
	maxRequest := min(s.opts.MaxEnvelopeSize, 32<<20)
	return c.JSON(fiber.Map{
		"url":              s.requestBase(c) + "/api/0/organizations/" + c.Params("org") + "/chunk-upload/",
		"chunkSize":        min(chunkSize, maxRequest),
		"chunksPerRequest": 64,
		"maxFileSize":      s.svc().MaxBundle(),
		"maxRequestSize":   maxRequest,
		"concurrency":      1,
		"hashAlgorithm":    "sha1",
		"compression":      []string{"gzip"},
		"accept":           []string{"artifact_bundles", "release_files"},
		"maxWait":          60,
	})
}

// requestBase is the scheme and host the request came to, so the chunk
// URL works however sentry-cli reached the server.
func (s *Server) requestBase(c *fiber.Ctx) string {
	if s.opts.PublicURL != "" {
		return s.opts.PublicURL
	}
	return c.Protocol() + "://" + c.Hostname()
}

// handleChunkUpload stores the chunks of a multipart upload.
func (s *Server) handleChunkUpload(c *fiber.Ctx) error {
	svc := s.svc()
	if _, err := svc.TokenProject(c.UserContext(), token(c), "", core.ScopeReleases); err != nil {
		return s.sentryError(c, err)
	}
	body, err := s.readBody(c, min(s.opts.MaxEnvelopeSize, 32<<20)+wireSlack)
	if err != nil {
		return s.sentryError(c, err)
	}
	_, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || params["boundary"] == "" {
		return s.sentryError(c, core.Errorf(core.EINVALID, "chunk upload: want multipart/form-data"))
	}
	limit := svc.MaxBundle()
	chunks := map[string][]byte{}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return s.sentryError(c, core.Errorf(core.EINVALID, "chunk upload: %v", err))
		}
		var r io.Reader = part
		switch part.FormName() {
		case "file_gzip":
			zr, err := gzip.NewReader(part)
			if err != nil {
				return s.sentryError(c, core.Errorf(core.EINVALID, "chunk %s: %v", part.FileName(), err))
			}
			r = zr
		case "file":
		default:
			continue
		}
		data, err := io.ReadAll(io.LimitReader(r, limit+1))
		if err != nil {
			return s.sentryError(c, core.Errorf(core.EINVALID, "chunk %s: %v", part.FileName(), err))
		} else if int64(len(data)) > limit {
			return s.sentryError(c, core.Errorf(core.ETOOLARGE, "chunk %s is more than the limit of %d bytes (sourcemaps.max_bundle_size)", part.FileName(), limit))
		}
		chunks[strings.ToLower(part.FileName())] = data
	}
	if err := svc.UploadChunks(c.UserContext(), chunks); err != nil {
		return s.sentryError(c, err)
	}
	return c.SendStatus(http.StatusOK)
}

type assembleRequest struct {
	Checksum string   `json:"checksum"`
	Chunks   []string `json:"chunks"`
	Projects []string `json:"projects"`
	Version  string   `json:"version"`
	Dist     string   `json:"dist"`
}

// handleAssemble makes an artifact bundle of uploaded chunks.
func (s *Server) handleAssemble(c *fiber.Ctx) error {
	svc := s.svc()
	var req assembleRequest
	if err := s.readJSON(c, &req); err != nil {
		return s.sentryError(c, err)
	}
	ref := ""
	if len(req.Projects) > 1 {
		return s.sentryError(c, core.Errorf(core.EINVALID, "a Periscope token uploads to one project; got %d", len(req.Projects)))
	} else if len(req.Projects) == 1 {
		ref = req.Projects[0]
	}
	p, err := svc.TokenProject(c.UserContext(), token(c), ref, core.ScopeReleases)
	if err != nil {
		return s.sentryError(c, err)
	}
	res, err := svc.AssembleBundle(c.UserContext(), p, service.AssembleInput{Checksum: strings.ToLower(req.Checksum),
		Chunks: req.Chunks, Release: req.Version, Dist: req.Dist})
	if err != nil {
		return s.sentryError(c, err)
	}
	if res.Bundle != nil {
		s.Logger.Info("sentry api: artifact bundle stored", "project", p.ID, "checksum", req.Checksum, "files", len(res.Bundle.Files), "release", res.Bundle.Release)
		if s.opts.SourceMapsUploaded != nil {
			s.opts.SourceMapsUploaded(p.ID)
		}
	}
	missing := res.Missing
	if missing == nil {
		missing = []string{}
	}
	return c.JSON(fiber.Map{"state": res.State, "missingChunks": missing, "detail": nil})
}

type releaseRequest struct {
	Version      string     `json:"version"`
	Projects     []string   `json:"projects"`
	DateReleased *time.Time `json:"dateReleased"`
}

// handleRelease creates (POST) or updates (PUT, finalize) a release.
func (s *Server) handleRelease(c *fiber.Ctx) error {
	svc := s.svc()
	var req releaseRequest
	if err := s.readJSON(c, &req); err != nil {
		return s.sentryError(c, err)
	}
	ref := c.Params("project")
	if ref == "" && len(req.Projects) > 0 {
		ref = req.Projects[0]
	}
	version := req.Version
	if v := pathParam(c, "version"); v != "" {
		version = v
	}
	p, err := svc.TokenProject(c.UserContext(), token(c), ref, core.ScopeReleases)
	if err != nil {
		return s.sentryError(c, err)
	}
	r, err := svc.SaveRelease(c.UserContext(), p, version, req.DateReleased)
	if err != nil {
		return s.sentryError(c, err)
	}
	status := http.StatusOK
	if c.Method() == fiber.MethodPost {
		status = http.StatusCreated
	}
	return c.Status(status).JSON(releaseJSON(r, p))
}

// handleGetRelease answers releases info.
func (s *Server) handleGetRelease(c *fiber.Ctx) error {
	svc := s.svc()
	p, err := svc.TokenProject(c.UserContext(), token(c), c.Params("project"), core.ScopeReleases)
	if err != nil {
		return s.sentryError(c, err)
	}
	r, err := s.Store.FindRelease(c.UserContext(), p.ID, pathParam(c, "version"))
	if err != nil {
		return s.sentryError(c, err)
	}
	return c.JSON(releaseJSON(r, p))
}

func releaseJSON(r *core.Release, p *core.Project) fiber.Map {
	return fiber.Map{
		"version": r.Version, "shortVersion": r.Version, "dateCreated": r.CreatedAt, "dateReleased": r.DateReleased,
		"projects":  []fiber.Map{{"id": p.ID, "slug": core.ProjectSlug(p.Name), "name": p.Name}},
		"newGroups": 0, "commitCount": 0, "data": fiber.Map{}, "authors": []string{}, "lastEvent": nil, "ref": nil, "url": nil,
	}
}

// handleSentryAPIOther answers the rest of /api/0/.
func (s *Server) handleSentryAPIOther(c *fiber.Ctx) error {
	return s.sentryError(c, core.Errorf(core.ENOTFOUND, "%s %s is not supported by Periscope, which implements the source map and release routes of sentry-cli (sourcemaps upload, releases new/finalize, releases files upload-sourcemaps)", c.Method(), c.Path()))
}

// pathParam is a path parameter, percent-decoded (release versions hold
// '@' and '+', which sentry-cli escapes).
func pathParam(c *fiber.Ctx, name string) string {
	v := c.Params(name)
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// readJSON reads the request body as JSON into v.
func (s *Server) readJSON(c *fiber.Ctx, v any) error {
	body, err := s.readBody(c, 1<<20)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return core.Errorf(core.EINVALID, "invalid JSON body: %v", err)
	}
	return nil
}
