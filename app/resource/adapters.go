package resource

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/gofiber/fiber/v2"
)

// errorBody is SPEC §7's JSON error shape.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (d *Denial) body() errorBody {
	var b errorBody
	b.Error.Code, b.Error.Message = d.Code, d.Message
	return b
}

// queryTokenDenial answers a credential sent in the query string: bearer
// credentials are accepted only in the Authorization header (RFC 6750 §2.3
// is off here: URLs end up in logs and Referer headers).
var queryTokenDenial = invalidToken("credentials in the query string are not accepted; send them in the Authorization header")

const localPrincipal = "consentry.principal"

// Fiber returns middleware enforcing rule; the workspace is the route's
// "id" parameter. The principal is available to handlers via FromFiber.
func (g *Guard) Fiber(rule Rule) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.Get(fiber.HeaderAuthorization) == "" && c.Query("access_token") != "" {
			return writeFiberDenial(c, queryTokenDenial)
		}
		p, err := g.Check(c.UserContext(), c.Get(fiber.HeaderAuthorization), rule, c.Params("id"))
		if d, ok := AsDenial(err); ok {
			return writeFiberDenial(c, d)
		}
		if err != nil {
			return err
		}
		c.Locals(localPrincipal, p)
		return c.Next()
	}
}

func writeFiberDenial(c *fiber.Ctx, d *Denial) error {
	if d.Challenge != "" {
		c.Set(fiber.HeaderWWWAuthenticate, d.Challenge)
	}
	return c.Status(d.Status).JSON(d.body())
}

// FromFiber returns the principal the middleware admitted.
func FromFiber(c *fiber.Ctx) Principal {
	p, _ := c.Locals(localPrincipal).(Principal)
	return p
}

type principalKey struct{}

// HTTP wraps a net/http handler with rule; workspace extracts the route's
// workspace id (for example func(r *http.Request) string { return r.PathValue("id") }).
// Failures to check answer 500 without details.
func (g *Guard) HTTP(rule Rule, workspace func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" && r.URL.Query().Get("access_token") != "" {
			writeHTTPDenial(w, queryTokenDenial)
			return
		}
		var ws string
		if workspace != nil {
			ws = workspace(r)
		}
		p, err := g.Check(r.Context(), r.Header.Get("Authorization"), rule, ws)
		if d, ok := AsDenial(err); ok {
			writeHTTPDenial(w, d)
			return
		}
		if err != nil {
			http.Error(w, `{"error":{"code":"internal_error","message":"the credential could not be checked"}}`, http.StatusInternalServerError)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

func writeHTTPDenial(w http.ResponseWriter, d *Denial) {
	if d.Challenge != "" {
		w.Header().Set("WWW-Authenticate", d.Challenge)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(d.Status)
	_ = json.NewEncoder(w).Encode(d.body())
}

// FromContext returns the principal the net/http middleware admitted.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
