/*
Copyright 2026 The boring-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package boring

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		header string
		body   float64
		want   time.Duration
	}{
		"nothing":                      {"", 0, 0},
		"seconds":                      {"30", 0, 30 * time.Second},
		"fractional seconds":           {"1.5", 0, 1500 * time.Millisecond},
		"zero":                         {"0", 0, 0},
		"an HTTP date":                 {now.Add(2 * time.Minute).Format(http.TimeFormat), 0, 2 * time.Minute},
		"an HTTP date in the past":     {now.Add(-time.Minute).Format(http.TimeFormat), 0, 0},
		"garbage header, body seconds": {"soon", 12.5, 12500 * time.Millisecond},
		"body only":                    {"", 7, 7 * time.Second},
		"header wins over body":        {"3", 9, 3 * time.Second},
		"negative header, body":        {"-5", 4, 4 * time.Second},
		"negative body":                {"", -4, 0},
	}
	for name, tc := range tests {
		if got := parseRetryAfter(now, tc.header, tc.body); got != tc.want {
			t.Errorf("%s: got %s, want %s", name, got, tc.want)
		}
	}
}
