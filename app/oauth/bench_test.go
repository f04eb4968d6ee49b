package oauth_test

import "testing"

// The benchmarks set up one small environment and measure one engine call
// each against real SQLite.

// BenchmarkExchangeCode measures redeeming a code. Issuing the code (the
// consent transaction) happens with the timer stopped.
func BenchmarkExchangeCode(b *testing.B) {
	e := newEnv(b)
	for b.Loop() {
		b.StopTimer()
		a := e.authorizeConf(b, fullScope)
		b.StartTimer()
		if _, err := e.exchange(a); err != nil {
			b.Fatalf("exchange: %v", err)
		}
	}
}

// BenchmarkRefresh measures one rotation; each iteration uses the token the
// previous one returned.
func BenchmarkRefresh(b *testing.B) {
	e := newEnv(b)
	refresh := e.mustExchange(b, e.authorizeConf(b, fullScope)).RefreshToken
	for b.Loop() {
		resp, err := e.refresh(e.conf, refresh, nil)
		if err != nil {
			b.Fatalf("refresh: %v", err)
		}
		refresh = resp.RefreshToken
	}
}

func BenchmarkIntrospect(b *testing.B) {
	e := newEnv(b)
	access := e.mustExchange(b, e.authorizeConf(b, fullScope)).AccessToken
	creds, p := clientAuth(e.rs)
	p.Set("token", access)
	for b.Loop() {
		got, err := e.engine.Introspect(e.ctx, creds, p)
		if err != nil || !got.Active {
			b.Fatalf("Introspect = %+v, %v", got, err)
		}
	}
}

func BenchmarkAuthenticateBearer(b *testing.B) {
	e := newEnv(b)
	access := e.mustExchange(b, e.authorizeConf(b, fullScope)).AccessToken
	for b.Loop() {
		if _, err := e.engine.AuthenticateBearer(e.ctx, access); err != nil {
			b.Fatalf("AuthenticateBearer: %v", err)
		}
	}
}
