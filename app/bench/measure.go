package bench

import (
	"context"
	"fmt"
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
	row.Concurrency, row.Ops, row.Errors, row.Elapsed, row.Latency = len(ops), res.ops, res.errors, res.elapsed, res.latency
	row.RSS, row.ErrorSamples = res.usage.peakRSS, res.samples
	row.ServerCPU, row.DriverCPU, row.OtherCPU = res.usage.serverCPU, res.usage.driverCPU, res.usage.otherCPU
	if res.elapsed > 0 {
		row.OpsPerSec = float64(res.ops) / res.elapsed.Seconds()
	}
	if res.usedUp {
		row.Note = fmt.Sprintf("token pool used up after %.1f s", res.elapsed.Seconds())
	}
	return row
}

// addRow adds a row to the report and shows it.
func (d *driver) addRow(r Row) {
	d.report.Rows = append(d.report.Rows, r)
	d.progressRow(r)
}
