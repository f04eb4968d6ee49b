package accounts_test

import (
	"strings"
	"testing"

	"github.com/consentry/consentry/app/accounts"
)

var validatePasswordTests = []struct {
	name     string
	password string
	wantErr  bool
}{
	{"eight ASCII characters", "abcdefgh", false},
	{"eight two-byte characters", "éééééééé", false},
	{"exactly the byte limit", strings.Repeat("a", accounts.MaxPasswordBytes), false},
	{"empty", "", true},
	{"seven characters", "abcdefg", true},
	{"seven two-byte characters", "ééééééé", true},
	{"one byte over the limit", strings.Repeat("a", accounts.MaxPasswordBytes+1), true},
	{"under the byte limit in runes but over in bytes", strings.Repeat("é", accounts.MaxPasswordBytes/2+1), true},
}

func TestValidatePassword(t *testing.T) {
	for _, tt := range validatePasswordTests {
		t.Run(tt.name, func(t *testing.T) {
			err := accounts.ValidatePassword(tt.password)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Errorf("ValidatePassword(%d bytes) = %v, want error: %v", len(tt.password), err, tt.wantErr)
			}
		})
	}
}

func TestPasswordsHashAndCheck(t *testing.T) {
	p := accounts.NewPasswords(testParams)
	hash, err := p.Hash("right password")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name     string
		password string
		hash     string
		want     bool
		wantErr  bool
	}{
		{"right password", "right password", hash, true, false},
		{"wrong password", "wrong password", hash, false, false},
		{"empty password", "", hash, false, false},
		{"over-long password is refused before hashing", strings.Repeat("x", accounts.MaxPasswordBytes+1), hash, false, false},
		{"malformed hash", "right password", "not-a-hash", false, true},
	}
	for _, tt := range checks {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Check(tt.password, tt.hash)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("Check err = %v, want error: %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Check = %v, want %v", got, tt.want)
			}
		})
	}
	// CheckNothing must be callable any number of times, concurrently.
	done := make(chan struct{})
	for range 3 {
		go func() { p.CheckNothing("whatever"); done <- struct{}{} }()
	}
	for range 3 {
		<-done
	}
}
