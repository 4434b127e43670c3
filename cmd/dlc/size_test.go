package main

import "testing"

func TestParseBytes(t *testing.T) {
	good := map[string]int64{"4096": 4096, "512MiB": 512 << 20, "2GB": 2e9, "1.5KiB": 1536, "1": 1}
	for in, want := range good {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "lots", "-5", "0", "0.5", "NaN", "Inf", "1e300", "9TiB9"} {
		if got, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q) = %d, want an error", in, got)
		}
	}
}
