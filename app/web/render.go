package web

import (
	"fmt"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"github.com/consentry/consentry/views/layout"
)

// render writes a templ component as the HTML response.
func render(c *fiber.Ctx, status int, page templ.Component) error {
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	if err := page.Render(c.UserContext(), c.Response().BodyWriter()); err != nil {
		c.Response().ResetBody()
		return fmt.Errorf("render page: %w", err)
	}
	return nil
}

// page is the layout part of every page's props: who is signed in, the CSRF
// token for forms, and a pending flash message (consumed by this render).
func page(c *fiber.Ctx, title string) layout.Page {
	p := layout.Page{Title: title}
	sess, ok := c.Locals(localSession).(*browserSession)
	if !ok {
		return p
	}
	p.CSRF = sess.csrfToken()
	if kind, text, ok := sess.takeFlash(); ok {
		p.Flash = &layout.Flash{Kind: kind, Message: text}
	}
	if u := currentUser(c); u != nil {
		p.User = &layout.User{Name: u.Name, Email: u.Email, AvatarURL: u.AvatarURL, PlatformAdmin: u.PlatformAdmin}
	}
	return p
}
