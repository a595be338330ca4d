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
	"slices"

	"github.com/go-logr/logr"
)

// LazyValues returns a logger whose WithValues costs a slice append: the
// values reach the underlying sink only when a line is written. controller-
// runtime derives a logger with the object's name for every reconcile, and
// zap encodes those values eagerly; at thousands of SocialAccounts that was
// a large share of the manager's allocations, for lines that are almost
// never written.
func LazyValues(l logr.Logger) logr.Logger {
	if l.GetSink() == nil {
		return l
	}
	return logr.New(&lazySink{sink: l.GetSink()})
}

type lazySink struct {
	sink logr.LogSink
	kvs  []any
}

var (
	_ logr.LogSink          = &lazySink{}
	_ logr.CallDepthLogSink = &lazySink{}
)

// Init accounts for the extra frame lazySink adds between the caller and
// the underlying sink.
func (s *lazySink) Init(info logr.RuntimeInfo) {
	info.CallDepth++
	s.sink.Init(info)
}

func (s *lazySink) Enabled(level int) bool { return s.sink.Enabled(level) }

func (s *lazySink) Info(level int, msg string, keysAndValues ...any) {
	s.materialized().Info(level, msg, keysAndValues...)
}

func (s *lazySink) Error(err error, msg string, keysAndValues ...any) {
	s.materialized().Error(err, msg, keysAndValues...)
}

func (s *lazySink) WithValues(keysAndValues ...any) logr.LogSink {
	return &lazySink{sink: s.sink, kvs: append(slices.Clip(s.kvs), keysAndValues...)}
}

func (s *lazySink) WithName(name string) logr.LogSink {
	return &lazySink{sink: s.sink.WithName(name), kvs: s.kvs}
}

func (s *lazySink) WithCallDepth(depth int) logr.LogSink {
	if cd, ok := s.sink.(logr.CallDepthLogSink); ok {
		return &lazySink{sink: cd.WithCallDepth(depth), kvs: s.kvs}
	}
	return s
}

func (s *lazySink) materialized() logr.LogSink {
	if len(s.kvs) == 0 {
		return s.sink
	}
	return s.sink.WithValues(s.kvs...)
}
