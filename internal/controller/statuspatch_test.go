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
	"k8s.io/utils/ptr"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
)

func TestStatusPatch(t *testing.T) {
	expires := metav1.NewTime(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	from := boringv1alpha1.SocialAccountStatus{AccountName: "bakery", ExpiresAt: &expires, DaysUntilExpiry: ptr.To[int32](6),
		Conditions: []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "TokenValid", Message: "m"}}}
	to := *from.DeepCopy()
	to.ExpiresAt, to.DaysUntilExpiry = nil, nil
	to.AccountName = "bakery2"
	patch, err := statusPatch(&from, &to)
	if err != nil {
		t.Fatal(err)
	}
	// Only what changed; a field that went away is deleted with null.
	want := `{"status":{"accountName":"bakery2","daysUntilExpiry":null,"expiresAt":null}}`
	if string(patch) != want {
		t.Fatalf("patch = %s, want %s", patch, want)
	}
	if patch, _ := statusPatch(&from, from.DeepCopy()); string(patch) != `{}` {
		t.Fatalf("no change must give an empty patch, got %s", patch)
	}
}
