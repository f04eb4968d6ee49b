package oauth

import "testing"

var redirectRegistrationTests = []struct {
	uri     string
	wantErr bool
}{
	{"https://app.example.com/callback", false},
	{"https://app.example.com/callback?x=1", false},
	{"http://127.0.0.1:9000/cb", false},
	{"http://[::1]/cb", false},
	{"http://localhost:3000/cb", false},
	{"", true},
	{"/callback", true},
	{"app.example.com/callback", true},
	{"https://app.example.com/callback#frag", true},
	{"https://app.example.com/callback#", true},
	{"https://*.example.com/callback", true},
	{"https://app.example.com/*", true},
	{"http://app.example.com/callback", true},
	{"http://127.0.0.1.example.com/cb", true},
	{"ftp://app.example.com/cb", true},
	{"javascript:alert(1)", true},
	{"https://user:pw@app.example.com/cb", true},
	{"https:///nohost", true},
}

func TestValidateRedirectURI(t *testing.T) {
	for _, tt := range redirectRegistrationTests {
		t.Run(tt.uri, func(t *testing.T) {
			err := ValidateRedirectURI(tt.uri)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Errorf("ValidateRedirectURI(%q) = %v, want error: %v", tt.uri, err, tt.wantErr)
			}
		})
	}
}
