package bench

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat. It is 100 on
// every Linux the bench targets; reading it needs sysconf, that is cgo.
const userHZ = 100

// processCPU is the CPU time (user and system, all threads) a process has
// used so far; false when /proc cannot tell.
func processCPU(pid int) (time.Duration, bool) {
	if pid <= 0 {
		return 0, false
	}
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	return parseStatCPU(raw)
}

// parseStatCPU reads utime and stime, fields 14 and 15 of a stat line. The
// command name (field 2) is in parentheses and may hold spaces, so fields
// are counted from the last ')'.
func parseStatCPU(raw []byte) (time.Duration, bool) {
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(raw[i+1:])
	// f[0] is field 3 (state), so utime is f[11] and stime f[12].
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * time.Second / userHZ, true
}

// machineBusy is the CPU time all CPUs have spent busy so far (everything
// in the first line of /proc/stat but idle and iowait), steal included:
// time the hypervisor gave to someone else is time this machine lacked.
func machineBusy() (time.Duration, bool) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	return parseMachineBusy(raw)
}

func parseMachineBusy(raw []byte) (time.Duration, bool) {
	line, _, _ := bytes.Cut(raw, []byte("\n"))
	f := bytes.Fields(line)
	if len(f) < 9 || string(f[0]) != "cpu" {
		return 0, false
	}
	var busy int64
	// user nice system idle iowait irq softirq steal; guest time is
	// already counted in user.
	for i, v := range f[1:9] {
		if i == 3 || i == 4 {
			continue
		}
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return 0, false
		}
		busy += n
	}
	return time.Duration(busy) * time.Second / userHZ, true
}

// gauges watch a workload while it is timed: the server's RSS, and how many
// cores the server, the driver and everything else on the machine kept
// busy. The last tells a quiet machine from a shared one.
type gauges struct {
	pid   int
	rss   *rssSampler
	began time.Time
	// cpu0 are the CPU times at the start: server, driver, machine.
	cpu0  [3]time.Duration
	known [3]bool
}

// usage is what the gauges saw. CPU shares are in cores (1.0 is one core
// busy all the time); negative when unknown.
type usage struct {
	peakRSS                        int64
	serverCPU, driverCPU, otherCPU float64
}

func (g *gauges) cpuTimes() (t [3]time.Duration, ok [3]bool) {
	t[0], ok[0] = processCPU(g.pid)
	t[1], ok[1] = processCPU(os.Getpid())
	t[2], ok[2] = machineBusy()
	return t, ok
}

func watch(pid int) *gauges {
	g := &gauges{pid: pid, rss: sampleRSS(pid), began: time.Now()}
	g.cpu0, g.known = g.cpuTimes()
	return g
}

func (g *gauges) stop() usage {
	u := usage{peakRSS: g.rss.stop(), serverCPU: -1, driverCPU: -1, otherCPU: -1}
	wall := time.Since(g.began).Seconds()
	now, ok := g.cpuTimes()
	if wall <= 0 {
		return u
	}
	var share [3]float64
	for i := range share {
		share[i] = -1
		if ok[i] && g.known[i] {
			share[i] = (now[i] - g.cpu0[i]).Seconds() / wall
		}
	}
	u.serverCPU, u.driverCPU = share[0], share[1]
	if share[0] >= 0 && share[1] >= 0 && share[2] >= 0 {
		u.otherCPU = max(0, share[2]-share[0]-share[1])
	}
	return u
}
