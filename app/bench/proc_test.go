package bench

import (
	"os"
	"testing"
	"time"
)

func TestParseStatusField(t *testing.T) {
	status := []byte("Name:\tconsentry\nVmPeak:\t 1234 kB\nVmHWM:\t   40960 kB\nVmRSS:\t   20480 kB\nThreads:\t7\n")
	for _, tt := range []struct {
		field string
		want  int64
		ok    bool
	}{
		{"VmRSS", 20 << 20, true},
		{"VmHWM", 40 << 20, true},
		{"Threads", 0, false},
		{"VmSwap", 0, false},
	} {
		got, ok := parseStatusField(status, tt.field)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s = %d, %v; want %d, %v", tt.field, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseStatCPU(t *testing.T) {
	// The command name may hold spaces and parentheses.
	stat := []byte("4242 (consentry (bench) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 7 0 123 0 0\n")
	got, ok := parseStatCPU(stat)
	if !ok || got != 3250*time.Millisecond {
		t.Errorf("parseStatCPU = %v, %v; want 3.25s (325 ticks)", got, ok)
	}
	if _, ok := parseStatCPU([]byte("garbage")); ok {
		t.Error("parseStatCPU accepted garbage")
	}
}

func TestParseMachineBusy(t *testing.T) {
	stat := []byte("cpu  100 5 50 1000 20 3 2 10 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n")
	got, ok := parseMachineBusy(stat)
	// user+nice+system+irq+softirq+steal = 170 ticks; idle and iowait left out.
	if !ok || got != 1700*time.Millisecond {
		t.Errorf("parseMachineBusy = %v, %v; want 1.7s", got, ok)
	}
}

func TestProcOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	if rss, ok := procStatus(os.Getpid(), "VmRSS"); !ok || rss <= 0 {
		t.Errorf("VmRSS of this process = %d, %v", rss, ok)
	}
	if _, ok := processCPU(os.Getpid()); !ok {
		t.Error("no CPU time for this process")
	}
	if _, ok := procStatus(0, "VmRSS"); ok {
		t.Error("pid 0 (unknown) gave an RSS")
	}
}
