package bench

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"
)

// DefaultGrowthSizes are the data sizes the growth workload compares: an
// empty database, then 10,000 and 100,000 stored codes, tokens and audit
// events each (10× and 100×).
func DefaultGrowthSizes() []int { return []int{0, 10_000, 100_000} }

// seedGrowth seeds what the flow workload needs, as the main phase does,
// then n codes, tokens and audit events and their grants.
func seedGrowth(ctx context.Context, s *seeder, n int, d time.Duration) (*mainWorld, error) {
	w, err := seedMain(ctx, s, map[string]bool{Flow: true}, d)
	if err != nil {
		return nil, err
	}
	if err := s.seedGrowthData(ctx, w, n); err != nil {
		return nil, err
	}
	return w, nil
}

// growthPhases run the flow at each concurrency on a database of each
// growth size, smallest first, each seeded afresh and served by a server
// of its own; then each row with data notes its change against the empty
// database's row.
func (d *driver) growthPhases(ctx context.Context, dir string) error {
	defer func() { growthNotes(d.report.Rows) }()
	for _, n := range slices.Compact(slices.Sorted(slices.Values(d.o.GrowthSizes))) {
		var w *mainWorld
		err := d.phase(ctx, "growth-"+sizeLabel(n), dir,
			func(ctx context.Context, s *seeder) (err error) {
				if n > 0 {
					d.progressf("growth: seeding %s codes, tokens and audit events and %s grants",
						formatCount(int64(n)), formatCount(int64(growthGrants(n))))
				}
				w, err = seedGrowth(ctx, s, n, d.o.Duration)
				return err
			},
			func(ctx context.Context, t *target) error {
				for _, conc := range flowConcurrencies {
					ops, err := w.flowOps(t, Flow, conc)
					if err != nil {
						return fmt.Errorf("growth: %w", err)
					}
					profile := fmt.Sprintf("%s-%s-c%d", Growth, sizeLabel(n), conc)
					d.addRow(d.timed(ctx, t, profile, Row{Workload: Growth, Name: growthRowName(n, conc), Stored: n}, ops))
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				return nil
			})
		if err != nil {
			return err
		}
	}
	return nil
}

// growthRowName names a growth row by its concurrency and data size.
func growthRowName(n, conc int) string {
	if n == 0 {
		return fmt.Sprintf("flow c%d (empty database)", conc)
	}
	return fmt.Sprintf("flow c%d (+%s codes, tokens, audit events)", conc, sizeLabel(n))
}

// growthNotes gives each growth row with data the change of its rate
// against the empty database's row of the same concurrency.
func growthNotes(rows []Row) {
	empty := map[int]float64{}
	for _, r := range rows {
		if r.Workload == Growth && r.Stored == 0 {
			empty[r.Concurrency] = r.OpsPerSec
		}
	}
	for i, r := range rows {
		if base, ok := empty[r.Concurrency]; ok && r.Workload == Growth && r.Stored > 0 {
			rows[i].Note = changeVsEmpty(r.OpsPerSec, base)
		}
	}
}

// changeVsEmpty writes how far rate is from the empty database's, in
// percent to one decimal; nothing when the empty database did no work.
func changeVsEmpty(rate, empty float64) string {
	if empty <= 0 {
		return ""
	}
	pct := math.Round((rate/empty-1)*1000) / 10
	if pct == 0 {
		pct = 0 // a rounded -0.04 % is no change, not "-0.0%"
	}
	return fmt.Sprintf("%+.1f%% vs empty", pct)
}
