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

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
)

func TestSecretContent(t *testing.T) {
	sa := &boringv1alpha1.SocialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "n", Name: "ig", UID: "uid-1"},
		Spec: boringv1alpha1.SocialAccountSpec{SecretTemplate: &boringv1alpha1.SecretTemplate{
			Labels: map[string]string{"team": "growth"}, Annotations: map[string]string{"note": "hi"}}}}
	acct := &wireAccount
	want := desiredSecret(sa, acct)
	if want.data[boringv1alpha1.SecretKeyAccountID] != "a-1" || want.data[boringv1alpha1.SecretKeyPlatform] != "instagram" ||
		want.data[boringv1alpha1.SecretKeyAccountName] != "bakery" || want.labels[boringv1alpha1.ManagedByLabel] != boringv1alpha1.ManagedByValue {
		t.Fatalf("desired content wrong: %+v", want)
	}
	// A Secret the operator wrote with a label "old" that the template no
	// longer has, plus a label somebody else added.
	owned := `{"f:metadata":{"f:labels":{".":{},"f:old":{},"f:team":{},"f:app.kubernetes.io/managed-by":{}},"f:annotations":{"f:note":{}}}}`
	current := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
		Labels:      map[string]string{"old": "x", "team": "growth", "theirs": "y", boringv1alpha1.ManagedByLabel: boringv1alpha1.ManagedByValue},
		Annotations: map[string]string{"note": "hi"},
		ManagedFields: []metav1.ManagedFieldsEntry{
			{Manager: FieldOwner, Operation: metav1.ManagedFieldsOperationUpdate, FieldsV1: metav1.NewFieldsV1(owned)},
			{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationUpdate, FieldsV1: metav1.NewFieldsV1(`{"f:metadata":{"f:labels":{"f:theirs":{}}}}`)},
		}},
		Data: map[string][]byte{"ACCOUNT_ID": []byte("a-1"), "PLATFORM": []byte("instagram"), "ACCOUNT_NAME": []byte("bakery"), "EXTRA": []byte("kept")},
	}
	if want.heldBy(current) {
		t.Fatal("a label the operator wrote and no longer wants means the Secret needs a repair")
	}
	want.repair(current)
	if _, ok := current.Labels["old"]; ok {
		t.Error("repair must drop the operator's old label")
	}
	if current.Labels["theirs"] != "y" || string(current.Data["EXTRA"]) != "kept" {
		t.Error("repair must keep what others added")
	}
	current.ManagedFields = current.ManagedFields[1:] // as the API server would after the repair
	if !want.heldBy(current) {
		t.Fatal("a repaired Secret holds the content")
	}
	current.Data["ACCOUNT_ID"] = []byte("tampered")
	if want.heldBy(current) {
		t.Fatal("tampered data is not held")
	}
}

var wireAccount = wire.Account{AccountID: "a-1", Platform: wire.PlatformInstagram, IGUsername: "bakery"}
