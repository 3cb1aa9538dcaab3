package http

// crashRoutes registers the ingestion endpoints of crash reporters and
// browsers that do not speak envelopes (minidump uploads, security
// reports).
func (s *Server) crashRoutes() {}
