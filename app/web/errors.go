package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/consentry/consentry/views/pages"
)

// msgInternal is all anyone outside learns about a server fault.
const msgInternal = "Something went wrong on our side. Please try again in a moment."

// handleError is the one place an error becomes a response: JSON for APIs, a
// friendly page for people. Only server faults are logged as errors; their
// details never reach the client.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status, message := fiber.StatusInternalServerError, msgInternal
	var fe *fiber.Error
	if errors.As(err, &fe) {
		status, message = fe.Code, fe.Message
	}
	if status >= fiber.StatusInternalServerError {
		s.log.Error("request failed", "request_id", requestIDOf(c), "method", c.Method(), "path", c.Path(), "error", err)
		message = msgInternal
	} else if message == utils.StatusMessage(status) || strings.HasPrefix(message, "Cannot ") {
		// Fiber's own texts ("Cannot GET /x") are replaced by plain words.
		message = friendlyMessage(status)
	}
	c.Response().ResetBody()
	if wantsJSON(c) {
		return c.Status(status).JSON(fiber.Map{"error": fiber.Map{"code": errorCode(status), "message": message}})
	}
	return render(c, status, pages.Error(pages.ErrorProps{
		Layout:    page(c, utils.StatusMessage(status)),
		Status:    status,
		Heading:   errorHeading(status),
		Message:   message,
		RequestID: requestIDOf(c),
	}))
}

// wantsJSON tells machine clients from people: API and protocol endpoints
// always speak JSON, and so does anyone who asks for it over HTML.
func wantsJSON(c *fiber.Ctx) bool {
	path := c.Path()
	if strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/.well-known/") ||
		(strings.HasPrefix(path, "/oauth/") && path != "/oauth/authorize") {
		return true
	}
	accept := c.Get(fiber.HeaderAccept)
	return strings.Contains(accept, fiber.MIMEApplicationJSON) && !strings.Contains(accept, fiber.MIMETextHTML)
}

func errorCode(status int) string {
	switch status {
	case fiber.StatusBadRequest:
		return "bad_request"
	case fiber.StatusUnauthorized:
		return "unauthorized"
	case fiber.StatusForbidden:
		return "forbidden"
	case fiber.StatusNotFound:
		return "not_found"
	case fiber.StatusMethodNotAllowed:
		return "method_not_allowed"
	case fiber.StatusRequestEntityTooLarge:
		return "request_too_large"
	case fiber.StatusTooManyRequests:
		return "too_many_requests"
	}
	if status >= fiber.StatusInternalServerError {
		return "internal_error"
	}
	return "error"
}

func errorHeading(status int) string {
	switch status {
	case fiber.StatusNotFound:
		return "Page not found"
	case fiber.StatusForbidden:
		return "Not allowed"
	case fiber.StatusUnauthorized:
		return "Please sign in"
	}
	if status >= fiber.StatusInternalServerError {
		return "Something went wrong"
	}
	return "That did not work"
}

func friendlyMessage(status int) string {
	switch status {
	case fiber.StatusNotFound:
		return "We could not find that page. Check the address, or go back to your connected apps."
	case fiber.StatusMethodNotAllowed:
		return "That address does not accept this kind of request."
	case fiber.StatusRequestEntityTooLarge:
		return "What you sent is too large."
	}
	return utils.StatusMessage(status) + "."
}
