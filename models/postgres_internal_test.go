package models

import (
	"os"
	"strings"
	"testing"
	"time"
)

// skipOnPostgres skips a test of SQLite's own machinery (pragmas, WAL
// checkpoints) in the run of the suite on PostgreSQL. The variable is read
// directly: storetest imports this package.
func skipOnPostgres(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CONSENTRY_TEST_POSTGRES") != "" {
		t.Skipf("SQLite only (%s); this run of the suite is on PostgreSQL, and the SQLite run covers it", what)
	}
}

var poolParamTests = []struct {
	name     string
	dsn      string
	want     postgresPool
	wantErr  bool
	leftover string
}{
	{
		name: "defaults",
		dsn:  "postgres://c@db.example.com/consentry",
		want: postgresPool{DefaultPostgresMaxConns, DefaultPostgresMaxConnIdleTime, DefaultPostgresMaxConnLifetime},
	},
	{
		name: "URL parameters",
		dsn:  "postgres://c@db.example.com/consentry?pool_max_conns=25&pool_max_conn_idle_time=1m&pool_max_conn_lifetime=1h&application_name=x",
		want: postgresPool{25, time.Minute, time.Hour}, leftover: "application_name",
	},
	{
		name: "key=value parameters",
		dsn:  "host=db.example.com dbname=consentry pool_max_conns=3",
		want: postgresPool{3, DefaultPostgresMaxConnIdleTime, DefaultPostgresMaxConnLifetime},
	},
	{name: "zero connections", dsn: "postgres://db.example.com/c?pool_max_conns=0", wantErr: true},
	{name: "not a number", dsn: "postgres://db.example.com/c?pool_max_conns=many", wantErr: true},
	{name: "not a duration", dsn: "postgres://db.example.com/c?pool_max_conn_lifetime=soon", wantErr: true},
}

func TestParsePostgresDSNTakesThePoolParametersOut(t *testing.T) {
	for _, tt := range poolParamTests {
		t.Run(tt.name, func(t *testing.T) {
			config, pool, err := parsePostgresDSN(tt.dsn)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parsePostgresDSN(%q) succeeded, want an error", tt.dsn)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if pool != tt.want {
				t.Errorf("pool = %+v, want %+v", pool, tt.want)
			}
			for key := range config.RuntimeParams {
				if strings.HasPrefix(key, "pool_") {
					t.Errorf("%s would be sent to the server as a setting", key)
				}
			}
			if got := config.RuntimeParams["timezone"]; got != "UTC" {
				t.Errorf("session time zone = %q, want UTC", got)
			}
			if tt.leftover != "" && config.RuntimeParams[tt.leftover] == "" {
				t.Errorf("%s was dropped; only the pool parameters are ours", tt.leftover)
			}
		})
	}
}

var redactTests = []struct{ dsn, want string }{
	{"postgres://consentry:s3cret@db.example.com:5432/consentry?sslmode=require", `"postgres://consentry:xxxxx@db.example.com:5432/consentry?sslmode=require"`},
	{"postgres://db.example.com/consentry?password=s3cret", `"postgres://db.example.com/consentry?password=xxxxx"`},
	{"host=db.example.com user=consentry password=s3cret dbname=consentry", `"host=db.example.com user=consentry dbname=consentry"`},
}

func TestRedactDSNHidesThePassword(t *testing.T) {
	for _, tt := range redactTests {
		if got := redactDSN(tt.dsn); got != tt.want {
			t.Errorf("redactDSN(%q) = %s, want %s", tt.dsn, got, tt.want)
		}
	}
}
