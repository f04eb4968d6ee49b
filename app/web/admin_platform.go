package web

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/consentry/consentry/views/components"
	"github.com/consentry/consentry/views/pages"
)

// requirePlatformAdmin lets only platform admins through. People who are
// not signed in go to the sign-in page (as requireUser does); anyone else
// gets 403 — the admin area's existence is no secret, its contents are.
func (s *Server) requirePlatformAdmin(c *fiber.Ctx) error {
	u := currentUser(c)
	if u == nil {
		return s.requireUser(c)
	}
	if !u.PlatformAdmin {
		return fiber.NewError(fiber.StatusForbidden, "Only platform admins can open the platform admin pages.")
	}
	return c.Next()
}

// adminOverview is /admin: totals, grant activity, audit chain status.
func (s *Server) adminOverview(c *fiber.Ctx) error {
	ctx := c.UserContext()
	now := time.Now()
	counts, err := s.svc.Store.CountPlatform(ctx, now)
	if err != nil {
		return err
	}
	start, created, revoked, err := s.overview.activity.counts(ctx, s.svc.Store, now)
	if err != nil {
		return err
	}
	chain := s.overview.chain.status(ctx, s.svc.Store, s.log, now)
	return render(c, fiber.StatusOK, pages.AdminOverview(pages.AdminOverviewProps{
		Layout: page(c, "Platform admin"),
		Counts: []pages.AdminCount{
			{Label: "Users", Value: counts.Users},
			{Label: "Workspaces", Value: counts.Workspaces},
			{Label: "Clients", Value: counts.Clients, Href: "/admin/clients"},
			{Label: "Active grants", Value: counts.ActiveGrants, Href: "/admin/grants"},
			{Label: "Live tokens", Value: counts.LiveTokens},
		},
		Chart: activityChart(start, created, revoked),
		Chain: chain,
		Now:   now,
	}))
}

// activityDays is how many days the overview chart covers, today included.
const activityDays = 30

// utcDay is the start of t's day in UTC.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// activityChart is the chart's data with its words: labels per day and a
// summary that says what the bars show, for those who cannot see them.
func activityChart(start time.Time, created, revoked []int) components.BarChart {
	chart := components.BarChart{
		ID: "grant-activity", Title: "Grants created and revoked per day, last 30 days",
		XLabel: "Day (UTC)", YLabel: "Grants",
		Series: []components.ChartSeries{{Name: "Created", Values: created}, {Name: "Revoked", Values: revoked}},
	}
	var totalCreated, totalRevoked, busiest int
	busiestDay := -1
	for i := range created {
		day := start.AddDate(0, 0, i)
		chart.Categories = append(chart.Categories, day.Format("2 Jan"))
		chart.CategoryNames = append(chart.CategoryNames, day.Format("Mon 2 Jan 2006"))
		totalCreated += created[i]
		totalRevoked += revoked[i]
		if n := created[i] + revoked[i]; n > busiest {
			busiest, busiestDay = n, i
		}
	}
	end := start.AddDate(0, 0, len(created)-1)
	span := fmt.Sprintf("From %s to %s (UTC)", start.Format("2 Jan"), end.Format("2 Jan 2006"))
	if busiestDay < 0 {
		chart.Summary = span + ", no grants were created or revoked."
		return chart
	}
	chart.Summary = fmt.Sprintf("%s, %s created and %d revoked. The busiest day was %s, with %d created and %d revoked.",
		span, grantsWord(totalCreated), totalRevoked, chart.CategoryNames[busiestDay], created[busiestDay], revoked[busiestDay])
	return chart
}

// grantsWord is "1 grant was" or "3 grants were".
func grantsWord(n int) string {
	if n == 1 {
		return "1 grant was"
	}
	return fmt.Sprintf("%d grants were", n)
}
