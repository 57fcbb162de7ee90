package authbench

import "testing"

// TestRevocationText checks that every Revocation survives its text
// form (results record a variant's Info as JSON) and that an unknown
// word is an error.
func TestRevocationText(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    Revocation
		wantErr bool
	}{
		{name: "unsupported", text: "unsupported", want: RevocationUnsupported},
		{name: "at expiry", text: "only at expiry", want: RevocationAtExpiry},
		{name: "immediate", text: "immediate", want: RevocationImmediate},
		{name: "unknown", text: "soon", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Revocation
			err := got.UnmarshalText([]byte(tt.text))
			if (err != nil) != tt.wantErr {
				t.Fatalf("UnmarshalText(%q) err = %v, want error %v", tt.text, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got != tt.want {
				t.Errorf("UnmarshalText(%q) = %v, want %v", tt.text, got, tt.want)
			}
			if b, _ := got.MarshalText(); string(b) != tt.text {
				t.Errorf("MarshalText = %q, want %q", b, tt.text)
			}
		})
	}
}
