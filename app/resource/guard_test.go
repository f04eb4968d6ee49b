package resource

import (
	"context"
	"testing"
)

func TestInsufficientScopeAnswer(t *testing.T) {
	tests := []struct {
		scope       string
		has         []string
		wantMessage string
	}{
		{"workspace:templates:write", []string{"workspace:read", "workspace:templates:read"},
			`This action requires the "workspace:templates:write" scope. Your token has: workspace:read, workspace:templates:read`},
		{"workspace:read", nil, `This action requires the "workspace:read" scope. Your token has: no scopes`},
	}
	for _, tt := range tests {
		d := insufficientScope(tt.scope, tt.has)
		if d.Status != 403 || d.Code != "insufficient_scope" || d.Message != tt.wantMessage {
			t.Errorf("insufficientScope(%q, %v) = %d %q %q", tt.scope, tt.has, d.Status, d.Code, d.Message)
		}
		if want := `Bearer error="insufficient_scope", scope="` + tt.scope + `"`; d.Challenge != want {
			t.Errorf("challenge = %q, want %q", d.Challenge, want)
		}
	}
}

// TestCheckRefusesBeforeAskingAnyone: malformed Authorization headers are
// refused without consulting an authenticator (there is none here).
func TestCheckRefusesBeforeAskingAnyone(t *testing.T) {
	g := &Guard{}
	for _, header := range []string{"", "Bearer", "Bearer ", "Basic abc", "Token ost_x", "ost_x"} {
		_, err := g.Check(context.Background(), header, Rule{}, "")
		d, ok := AsDenial(err)
		if !ok || d.Status != 401 || d.Challenge != `Bearer error="invalid_token"` {
			t.Errorf("Check(%q) = %v, want 401 invalid_token", header, err)
		}
	}
}
