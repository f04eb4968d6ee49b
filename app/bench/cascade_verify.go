package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
)

// verifier checks what sampled tokens reach, two ways that must agree:
// introspection by the resource-server client, and the platform API.
type verifier struct {
	rs    creds
	conns []*conn
}

// check asks about every sampled token and counts those that do not reach
// exactly want(token) (nil: inactive) on the row.
func (v *verifier) check(r *cascadeRow, sample []sampledToken, want func(sampledToken) []string) {
	var mu sync.Mutex
	_ = parallel(len(v.conns), len(sample), func(worker, i int) error {
		err := v.reach(v.conns[worker], sample[i].plain, want(sample[i]))
		mu.Lock()
		defer mu.Unlock()
		r.checked++
		if err != nil {
			r.wrong++
			r.fail(err)
		}
		return nil
	})
}

var errWrongReach = errors.New("token reaches the wrong workspaces")

func (v *verifier) reach(c *conn, token string, want []string) error {
	status, err := c.post("/oauth/introspect", v.rs.auth, url.Values{"token": {token}})
	if err != nil {
		return err
	}
	var in struct {
		Active       bool     `json:"active"`
		WorkspaceIDs []string `json:"workspace_ids"`
	}
	if status != http.StatusOK || json.Unmarshal(c.res.Body(), &in) != nil {
		return c.unexpected("introspect", status)
	}
	slices.Sort(in.WorkspaceIDs)
	if in.Active != (want != nil) || (in.Active && !slices.Equal(in.WorkspaceIDs, want)) {
		return fmt.Errorf("introspection: %w: active %v %v, want %v", errWrongReach, in.Active, in.WorkspaceIDs, want)
	}
	status, err = c.get("/api/v1/workspaces", "Bearer "+token)
	if err != nil {
		return err
	}
	if want == nil {
		if status != http.StatusUnauthorized {
			return fmt.Errorf("API: %w: status %d for a token that must be inactive", errWrongReach, status)
		}
		return nil
	}
	var list struct {
		Workspaces []struct {
			ID string `json:"id"`
		} `json:"workspaces"`
	}
	if status != http.StatusOK || json.Unmarshal(c.res.Body(), &list) != nil {
		return c.unexpected("GET /api/v1/workspaces", status)
	}
	var got []string
	for _, ws := range list.Workspaces {
		got = append(got, ws.ID)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		return fmt.Errorf("API: %w: %v, want %v", errWrongReach, got, want)
	}
	return nil
}
