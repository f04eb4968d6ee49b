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

// growthRounds is how many turns each growth row's time is cut into.
const growthRounds = 10

// growthServer is one growth size's seeded world and running server.
type growthServer struct {
	n int
	w *mainWorld
	t *target
}

// growthPhases seeds a database of each growth size and starts a server on
// each, then times the flow on them in turns: in each of growthRounds
// rounds, every size at each concurrency for a tenth of the duration, the
// sizes in ascending order one round and descending the next. This host's
// speed drifts by a quarter within minutes; timed one after another, the
// sizes would compare the minutes they ran in more than the data they hold.
// Then each row with data notes its change against the empty database's.
func (d *driver) growthPhases(ctx context.Context, dir string) error {
	defer func() { growthNotes(d.report.Rows) }()
	sizes := slices.Compact(slices.Sorted(slices.Values(d.o.GrowthSizes)))
	return d.withGrowthServers(ctx, dir, sizes, nil, func(servers []growthServer) error {
		rows, err := d.growthRounds(ctx, servers)
		for _, r := range rows {
			d.addRow(r)
		}
		return err
	})
}

// withGrowthServers seeds and serves each of sizes in turn, nesting the
// phases so that every server is up when fn runs.
func (d *driver) withGrowthServers(ctx context.Context, dir string, sizes []int, up []growthServer, fn func([]growthServer) error) error {
	if len(sizes) == 0 {
		return fn(up)
	}
	n := sizes[0]
	var w *mainWorld
	return d.phase(ctx, "growth-"+sizeLabel(n), dir,
		func(ctx context.Context, s *seeder) (err error) {
			if n > 0 {
				d.progressf("growth: seeding %s codes, tokens and audit events and %s grants",
					formatCount(int64(n)), formatCount(int64(growthGrants(n))))
			}
			w, err = seedGrowth(ctx, s, n, d.o.Duration)
			return err
		},
		func(ctx context.Context, t *target) error {
			return d.withGrowthServers(ctx, dir, sizes[1:], append(up, growthServer{n: n, w: w, t: t}), fn)
		})
}

// growthRounds times the flow on every server in turns and returns a row
// for each size and concurrency, smallest size first. A CPU profile (with
// ProfileDir) covers each row's first turn.
func (d *driver) growthRounds(ctx context.Context, servers []growthServer) ([]Row, error) {
	type key struct{ n, conc int }
	opsOf := map[key][]op{}
	for _, s := range servers {
		for _, conc := range flowConcurrencies {
			ops, err := s.w.flowOps(s.t, Flow, conc)
			if err != nil {
				return nil, fmt.Errorf("growth: %w", err)
			}
			opsOf[key{s.n, conc}] = ops
		}
	}
	turn := d.o.Duration / growthRounds
	results := map[key][]loadResult{}
	for round := range growthRounds {
		order := slices.Clone(servers)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, conc := range flowConcurrencies {
			for _, s := range order {
				k := key{s.n, conc}
				profiled := func() error { return nil }
				if round == 0 {
					profiled = d.profileFor(ctx, s.t, fmt.Sprintf("%s-%s-c%d", Growth, sizeLabel(s.n), conc), turn)
				}
				res := closedLoop(ctx, opsOf[k], turn, maxOps(turn), warmUpOps, s.t.pid)
				if err := profiled(); err != nil {
					d.note(err.Error())
				}
				results[k] = append(results[k], res)
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
		}
	}
	var rows []Row
	for _, s := range servers {
		for _, conc := range flowConcurrencies {
			row := Row{Workload: Growth, Name: growthRowName(s.n, conc), Stored: s.n}
			rows = append(rows, combined(row, conc, results[key{s.n, conc}]))
		}
	}
	return rows, nil
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
