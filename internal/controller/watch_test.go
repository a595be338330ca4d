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

package controller

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestOnlyFinalizersChanged(t *testing.T) {
	base := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{ResourceVersion: "1", Labels: map[string]string{"a": "b"}}}
	with := func(mut func(*metav1.PartialObjectMetadata)) *metav1.PartialObjectMetadata {
		o := base.DeepCopy()
		o.ResourceVersion = "2"
		mut(o)
		return o
	}
	now := metav1.NewTime(time.Now())
	tests := map[string]struct {
		cur  *metav1.PartialObjectMetadata
		want bool
	}{
		"a finalizer added":               {with(func(o *metav1.PartialObjectMetadata) { o.Finalizers = []string{"f"} }), true},
		"data changed (only the version)": {with(func(*metav1.PartialObjectMetadata) {}), false},
		"a finalizer and a label":         {with(func(o *metav1.PartialObjectMetadata) { o.Finalizers = []string{"f"}; o.Labels = nil }), false},
		"deletion started":                {with(func(o *metav1.PartialObjectMetadata) { o.Finalizers = []string{"f"}; o.DeletionTimestamp = &now }), false},
	}
	for name, tc := range tests {
		if got := onlyFinalizersChanged(base, tc.cur); got != tc.want {
			t.Errorf("%s: got %v, want %v", name, got, tc.want)
		}
	}
}
