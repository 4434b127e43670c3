package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// parseBytes reads sizes like "4096", "512MiB", "2GB", "1.5GiB".
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1},
	}
	t := strings.TrimSpace(s)
	mult := 1.0
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	bytes := v * mult
	if err != nil || math.IsNaN(bytes) || bytes < 1 || bytes >= math.MaxInt64 {
		return 0, fmt.Errorf("invalid size %q (want e.g. 4096, 512MiB, 2GB: at least 1 byte, below 8 EiB)", s)
	}
	return int64(bytes), nil
}
