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

package operator

import (
	"errors"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
)

// countingSink records how often values were handed to it.
type countingSink struct {
	logr.LogSink
	withValues *int
}

func (c countingSink) WithValues(kv ...any) logr.LogSink {
	*c.withValues++
	return countingSink{LogSink: c.LogSink.WithValues(kv...), withValues: c.withValues}
}

func (c countingSink) WithName(name string) logr.LogSink {
	return countingSink{LogSink: c.LogSink.WithName(name), withValues: c.withValues}
}

func TestLazyValues(t *testing.T) {
	var lines []string
	calls := 0
	base := funcr.New(func(prefix, args string) { lines = append(lines, prefix+" "+args) }, funcr.Options{Verbosity: 0})
	l := LazyValues(logr.New(countingSink{LogSink: base.GetSink(), withValues: &calls}))

	derived := l.WithName("socialaccount").WithValues("namespace", "marketing").WithValues("name", "shop")
	derived.V(1).Info("not written")
	if calls != 0 || len(lines) != 0 {
		t.Fatalf("a disabled line reached the sink: %d WithValues, lines %q", calls, lines)
	}
	derived.Info("synced", "reason", "TokenValid")
	derived.Error(errors.New("boom"), "failed")
	want := []string{
		`socialaccount "level"=0 "msg"="synced" "namespace"="marketing" "name"="shop" "reason"="TokenValid"`,
		`socialaccount "msg"="failed" "error"="boom" "namespace"="marketing" "name"="shop"`,
	}
	if len(lines) != len(want) {
		t.Fatalf("got lines %q", lines)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d:\n got %s\nwant %s", i, lines[i], want[i])
		}
	}
	// Siblings do not share values.
	lines = nil
	a, b := l.WithValues("k", "a"), l.WithValues("k", "b")
	a.Info("x")
	b.Info("x")
	if len(lines) != 2 || lines[0] == lines[1] {
		t.Errorf("siblings mixed their values: %q", lines)
	}
}
