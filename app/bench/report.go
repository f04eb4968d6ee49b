package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Report is what one bench run measured.
type Report struct {
	Started  time.Time
	Duration time.Duration
	Machine  Machine
	Servers  []Server
	Rows     []Row
	// Notes are things a reader of the figures should know (pinning
	// skipped, a pool used up).
	Notes []string
}

// Machine is where the figures were measured.
type Machine struct {
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	// Pinned is true when the server ran on CPU 0 and the driver on CPU 1.
	Pinned bool `json:"pinned"`
	// DriverProcs is the load driver's GOMAXPROCS.
	DriverProcs int `json:"driver_gomaxprocs"`
}

// Server is one server the workloads ran against.
type Server struct {
	// Name is the phase's: "main" (every workload but those below),
	// "cascade", "audit", or "growth-SIZE" (one per growth size).
	Name string
	URL  string
	// Seed is how long seeding its database took, from opening it to
	// closing it.
	Seed time.Duration
	// PID is the server's process id, 0 when it is not known.
	PID int
	// Child is true when the bench started the server itself.
	Child bool
	// Startup is from exec to the first 200 from /readyz (children only).
	Startup time.Duration
	// IdleRSS is the resident memory once ready, before any load; PeakRSS
	// the high-water mark (VmHWM) when the last workload ended. 0: unknown.
	IdleRSS, PeakRSS int64
	// ErrorLogs counts the lines the server logged at level ERROR
	// (children only).
	ErrorLogs int
}

// Row is one workload at one concurrency (or one cascade operation at one
// size).
type Row struct {
	// Workload is the name --only selects; Name adds the variant, as the
	// table shows it.
	Workload    string
	Name        string
	Concurrency int
	// Tokens is how many live tokens the cascade's grant held.
	Tokens int
	// Stored is how many codes, tokens and audit events (each) the growth
	// workload's database held beside the flow's own rows.
	Stored    int
	Ops       int
	Errors    int
	Elapsed   time.Duration
	OpsPerSec float64
	Latency   Latency
	// RSS is the highest server RSS sampled during the workload; 0 unknown.
	RSS int64
	// ServerCPU and DriverCPU are the cores each side kept busy while
	// timed (1 is one core all the time), and OtherCPU what every other
	// process on the machine did meanwhile; negative when unknown. A
	// pinned server below 1 is waiting, not computing; other load above a
	// few percent means the machine was shared and the row is noisy.
	ServerCPU, DriverCPU, OtherCPU float64
	// OneShot rows time single operations (the cascades): their ops/s
	// means nothing.
	OneShot bool
	Note    string
	// ErrorSamples are the first few distinct errors.
	ErrorSamples []string
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// MarshalJSON writes durations as milliseconds, the unit the table uses.
func (r Row) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Workload     string   `json:"workload"`
		Name         string   `json:"name"`
		Concurrency  int      `json:"concurrency"`
		Tokens       int      `json:"tokens,omitempty"`
		Stored       *int     `json:"stored,omitempty"`
		Ops          int      `json:"ops"`
		Errors       int      `json:"errors"`
		ElapsedS     float64  `json:"elapsed_s"`
		OpsPerSec    *float64 `json:"ops_per_sec,omitempty"`
		P50          float64  `json:"p50_ms"`
		P90          float64  `json:"p90_ms"`
		P99          float64  `json:"p99_ms"`
		Max          float64  `json:"max_ms"`
		Mean         float64  `json:"mean_ms"`
		RSS          int64    `json:"server_rss_bytes,omitempty"`
		ServerCPU    *float64 `json:"server_cpu_cores,omitempty"`
		DriverCPU    *float64 `json:"driver_cpu_cores,omitempty"`
		OtherCPU     *float64 `json:"other_cpu_cores,omitempty"`
		Note         string   `json:"note,omitempty"`
		ErrorSamples []string `json:"error_samples,omitempty"`
	}{
		Workload: r.Workload, Name: r.Name, Concurrency: r.Concurrency, Tokens: r.Tokens, Stored: r.stored(),
		Ops: r.Ops, Errors: r.Errors, ElapsedS: r.Elapsed.Seconds(), OpsPerSec: r.throughput(),
		P50: ms(r.Latency.P50), P90: ms(r.Latency.P90), P99: ms(r.Latency.P99), Max: ms(r.Latency.Max), Mean: ms(r.Latency.Mean),
		RSS: r.RSS, ServerCPU: known(r.ServerCPU), DriverCPU: known(r.DriverCPU), OtherCPU: known(r.OtherCPU), Note: r.Note, ErrorSamples: r.ErrorSamples,
	})
}

// known is v, or nil when negative (unknown).
func known(v float64) *float64 {
	if v < 0 {
		return nil
	}
	return &v
}

// stored is the growth row's data size, nil for other rows: 0 is the empty
// database, not an unknown.
func (r Row) stored() *int {
	if r.Workload != Growth {
		return nil
	}
	n := r.Stored
	return &n
}

func (r Row) throughput() *float64 {
	if r.OneShot {
		return nil
	}
	v := r.OpsPerSec
	return &v
}

// MarshalJSON writes the seeding and start-up times in milliseconds.
func (s Server) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name      string  `json:"name"`
		URL       string  `json:"url"`
		PID       int     `json:"pid,omitempty"`
		Child     bool    `json:"child"`
		SeedMS    float64 `json:"seed_ms,omitempty"`
		StartupMS float64 `json:"startup_ms,omitempty"`
		IdleRSS   int64   `json:"idle_rss_bytes,omitempty"`
		PeakRSS   int64   `json:"peak_rss_bytes,omitempty"`
		ErrorLogs int     `json:"error_logs"`
	}{s.Name, s.URL, s.PID, s.Child, ms(s.Seed), ms(s.Startup), s.IdleRSS, s.PeakRSS, s.ErrorLogs})
}

// MarshalJSON writes the report with the per-workload duration in seconds.
func (r *Report) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Started   time.Time `json:"started"`
		DurationS float64   `json:"duration_s"`
		Machine   Machine   `json:"machine"`
		Servers   []Server  `json:"servers"`
		Rows      []Row     `json:"workloads"`
		Notes     []string  `json:"notes,omitempty"`
	}{r.Started, r.Duration.Seconds(), r.Machine, r.Servers, r.Rows, r.Notes})
}

// WriteTable prints the report for a person: one row per workload, then the
// servers' start-up and memory, then the notes.
func (r *Report) WriteTable(w io.Writer) error {
	header := []string{"workload", "conc", "ops", "ops/s", "p50", "p99", "errors", "server RSS", "CPU srv/drv/other", "note"}
	cells := [][]string{header}
	for _, row := range r.Rows {
		rate := "-"
		if !row.OneShot {
			rate = formatRate(row.OpsPerSec)
		}
		cells = append(cells, []string{
			row.Name, strconv.Itoa(row.Concurrency), formatCount(int64(row.Ops)), rate,
			formatMS(row.Latency.P50), formatMS(row.Latency.P99), strconv.Itoa(row.Errors), formatBytes(row.RSS),
			formatCores(row.ServerCPU) + "/" + formatCores(row.DriverCPU) + "/" + formatCores(row.OtherCPU), row.Note,
		})
	}
	var b strings.Builder
	writeColumns(&b, cells)
	for _, s := range r.Servers {
		fmt.Fprintf(&b, "\nserver %s (%s", s.Name, s.URL)
		if s.PID != 0 {
			fmt.Fprintf(&b, ", pid %d", s.PID)
		}
		b.WriteString("):")
		if s.Seed > 0 {
			fmt.Fprintf(&b, " seeded in %s;", formatDuration(s.Seed))
		}
		if s.Child {
			fmt.Fprintf(&b, " ready %s after exec;", formatMS(s.Startup))
		}
		fmt.Fprintf(&b, " RSS idle %s, peak %s", formatBytes(s.IdleRSS), formatBytes(s.PeakRSS))
		if s.Child {
			fmt.Fprintf(&b, "; %d error log lines", s.ErrorLogs)
		}
	}
	if len(r.Servers) > 0 {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n%d CPUs, %s %s/%s, driver GOMAXPROCS %d, %s per workload",
		r.Machine.CPUs, r.Machine.GoVersion, r.Machine.OS, r.Machine.Arch, r.Machine.DriverProcs, r.Duration)
	if r.Machine.Pinned {
		b.WriteString(", server pinned to CPU 0 and driver to CPU 1")
	}
	b.WriteString("\n")
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeColumns aligns cells: the first and last columns to the left, the
// numbers between to the right. The last column is not padded.
func writeColumns(b *strings.Builder, cells [][]string) {
	widths := make([]int, len(cells[0]))
	for _, row := range cells {
		for i, c := range row {
			widths[i] = max(widths[i], len(c))
		}
	}
	last := len(widths) - 1
	for _, row := range cells {
		var line strings.Builder
		for i, c := range row {
			switch {
			case i == 0:
				fmt.Fprintf(&line, "%-*s", widths[i], c)
			case i == last:
				line.WriteString("  " + c)
			default:
				fmt.Fprintf(&line, "  %*s", widths[i], c)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteString("\n")
	}
}

// formatMS shows a duration in milliseconds with precision to match: two
// decimals below 100 ms, one above.
func formatMS(d time.Duration) string {
	v := ms(d)
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + " ms"
}

// formatDuration shows a duration of a second or more in seconds with one
// decimal, a shorter one as formatMS does.
func formatDuration(d time.Duration) string {
	if d < time.Second {
		return formatMS(d)
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
}

// formatRate shows operations per second: whole numbers with thousands
// separators, one decimal below 100.
func formatRate(v float64) string {
	if v < 100 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return formatCount(int64(v + 0.5))
}

// formatCount writes n with thousands separators.
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + formatCount(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// formatCores shows a CPU share as a percentage of one core, or "-".
func formatCores(v float64) string {
	if v < 0 {
		return "-"
	}
	return strconv.Itoa(int(v*100+0.5)) + "%"
}

// formatBytes shows a size in MiB, or "-" when it is unknown.
func formatBytes(n int64) string {
	if n <= 0 {
		return "-"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}
