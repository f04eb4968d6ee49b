package web

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/consentry/consentry/app/oauth"
)

// backChannelParams reads the parameters of a token, revocation or
// introspection request from an application/x-www-form-urlencoded body
// (RFC 6749) or a JSON object of strings, keeping repeated form values so the
// engine can refuse them.
func backChannelParams(c *fiber.Ctx) (url.Values, error) {
	contentType := strings.ToLower(strings.TrimSpace(strings.Split(c.Get(fiber.HeaderContentType), ";")[0]))
	switch contentType {
	case fiber.MIMEApplicationForm:
		v, err := url.ParseQuery(string(c.Body()))
		if err != nil {
			return nil, &oauth.Error{Code: oauth.ErrCodeInvalidRequest, Description: "the form body is not valid"}
		}
		return v, nil
	case fiber.MIMEApplicationJSON:
		var obj map[string]any
		if err := json.Unmarshal(c.Body(), &obj); err != nil {
			return nil, &oauth.Error{Code: oauth.ErrCodeInvalidRequest, Description: "the JSON body is not a valid object"}
		}
		v := url.Values{}
		for k, raw := range obj {
			s, ok := raw.(string)
			if !ok {
				return nil, &oauth.Error{Code: oauth.ErrCodeInvalidRequest, Description: "JSON parameter " + k + " must be a string"}
			}
			v.Set(k, s)
		}
		return v, nil
	default:
		return nil, &oauth.Error{Code: oauth.ErrCodeInvalidRequest,
			Description: "send parameters as application/x-www-form-urlencoded or application/json"}
	}
}

// clientCredentials reads HTTP Basic client authentication, if sent. The
// parts stay form-encoded; the engine decodes them (RFC 6749 §2.3.1).
func clientCredentials(c *fiber.Ctx) (oauth.ClientCredentials, error) {
	h := c.Get(fiber.HeaderAuthorization)
	if h == "" {
		return oauth.ClientCredentials{}, nil
	}
	scheme, payload, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return oauth.ClientCredentials{}, &oauth.Error{Code: oauth.ErrCodeInvalidClient, Description: "use HTTP Basic or body parameters to authenticate the client"}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
	if err != nil {
		return oauth.ClientCredentials{}, &oauth.Error{Code: oauth.ErrCodeInvalidClient, Description: "the Basic credentials are not valid base64"}
	}
	id, secret, ok := strings.Cut(string(raw), ":")
	if !ok {
		return oauth.ClientCredentials{}, &oauth.Error{Code: oauth.ErrCodeInvalidClient, Description: "the Basic credentials have no ':'"}
	}
	return oauth.ClientCredentials{BasicID: id, BasicSecret: secret, HasBasic: true}, nil
}

// oauthJSONError writes an RFC 6749 §5.2 error. Unexpected errors become
// server_error and are logged; their details stay here.
func (s *Server) oauthJSONError(c *fiber.Ctx, err error) error {
	var oe *oauth.Error
	if !errors.As(err, &oe) {
		s.log.Error("oauth endpoint failed", "request_id", requestIDOf(c), "path", c.Path(), "error", err)
		oe = &oauth.Error{Code: oauth.ErrCodeServerError, Description: "the server could not complete the request"}
	}
	if oe.Code == oauth.ErrCodeInvalidClient {
		c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="consentry", charset="UTF-8"`)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderPragma, "no-cache")
	return c.Status(oe.Status()).JSON(fiber.Map{"error": oe.Code, "error_description": oe.Description})
}

// backChannel runs one machine endpoint: read the parameters and client
// credentials, call, and turn any error into RFC 6749 JSON.
func (s *Server) backChannel(c *fiber.Ctx, call func(params url.Values, creds oauth.ClientCredentials) error) error {
	params, err := backChannelParams(c)
	if err != nil {
		return s.oauthJSONError(c, err)
	}
	creds, err := clientCredentials(c)
	if err != nil {
		return s.oauthJSONError(c, err)
	}
	if err := call(params, creds); err != nil {
		return s.oauthJSONError(c, err)
	}
	return nil
}
