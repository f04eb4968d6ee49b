package bench

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestAuditIsOptIn(t *testing.T) {
	if !slices.Contains(Workloads(), Audit) || slices.Contains(DefaultWorkloads(), Audit) {
		t.Errorf("Workloads() = %v, DefaultWorkloads() = %v; want audit only in the first", Workloads(), DefaultWorkloads())
	}
	if got, err := Select([]string{Audit}); err != nil || len(got) != 1 || !got[Audit] {
		t.Errorf("Select(audit) = %v, %v", got, err)
	}
}

func TestFetchCSV(t *testing.T) {
	body := "id,action\n" + strings.Repeat("1,grant.created\n", 100_000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/admin/audit.csv" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/admin/audit.csv", nil)
	size, lines, err := fetchCSV(srv.Client(), req)
	if err != nil || size != int64(len(body)) || lines != 100_001 {
		t.Errorf("fetchCSV = %d bytes, %d lines, %v; want %d, 100001", size, lines, err, len(body))
	}
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/elsewhere", nil)
	if _, _, err := fetchCSV(srv.Client(), req); err == nil || !strings.Contains(err.Error(), "status 404") {
		t.Errorf("fetchCSV of a 404 = %v, want the status", err)
	}
}

func TestAuditDeepCursor(t *testing.T) {
	if got := auditDeepCursor(1_000_000); got != 50_000 {
		t.Errorf("auditDeepCursor(1e6) = %d, want 50000", got)
	}
	if got := auditDeepCursor(10); got != 2 {
		t.Errorf("auditDeepCursor(10) = %d, want 2", got)
	}
}
