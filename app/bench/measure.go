package bench

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// measure times one workload and adds its row; its CPU profile (with
// ProfileDir) is WORKLOAD-cCONCURRENCY.
func (d *driver) measure(ctx context.Context, t *target, workload, name string, ops []op) {
	profile := fmt.Sprintf("%s-c%d", workload, len(ops))
	d.addRow(d.timed(ctx, t, profile, Row{Workload: workload, Name: name}, ops))
}

// timed runs ops in closed loop for the run's duration, taking the
// server's CPU profile under the name profile, and returns row filled in
// with what it measured.
func (d *driver) timed(ctx context.Context, t *target, profile string, row Row, ops []op) Row {
	profiled := d.profile(ctx, t, profile)
	res := closedLoop(ctx, ops, d.o.Duration, maxOps(d.o.Duration), warmUpOps, t.pid)
	if err := profiled(); err != nil {
		d.note(err.Error())
	}
	return combined(row, len(ops), []loadResult{res})
}

// combined returns row filled in with what one or more timed turns of the
// same workload measured, as if they were one: operations, errors and time
// add up, latencies are summarized together, the RSS is the highest and the
// CPU shares are averaged over the time.
func combined(row Row, concurrency int, turns []loadResult) Row {
	row.Concurrency = concurrency
	var all []time.Duration
	var serverCPU, driverCPU, otherCPU float64
	usedUp := false
	for _, t := range turns {
		row.Ops += t.ops
		row.Errors += t.errors
		row.Elapsed += t.elapsed
		all = append(all, t.latencies...)
		row.RSS = max(row.RSS, t.usage.peakRSS)
		w := t.elapsed.Seconds()
		serverCPU += t.usage.serverCPU * w
		driverCPU += t.usage.driverCPU * w
		otherCPU += t.usage.otherCPU * w
		for _, s := range t.samples {
			if len(row.ErrorSamples) < maxErrorSamples && !slices.Contains(row.ErrorSamples, s) {
				row.ErrorSamples = append(row.ErrorSamples, s)
			}
		}
		usedUp = usedUp || t.usedUp
	}
	row.Latency = summarize(all)
	if secs := row.Elapsed.Seconds(); secs > 0 {
		row.OpsPerSec = float64(row.Ops) / secs
		row.ServerCPU, row.DriverCPU, row.OtherCPU = serverCPU/secs, driverCPU/secs, otherCPU/secs
	}
	if usedUp {
		row.Note = fmt.Sprintf("token pool used up after %.1f s", row.Elapsed.Seconds())
	}
	return row
}

// addRow adds a row to the report and shows it.
func (d *driver) addRow(r Row) {
	d.report.Rows = append(d.report.Rows, r)
	d.progressRow(r)
}
