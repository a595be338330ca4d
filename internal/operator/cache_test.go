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
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/aiagent-me/boring-operator/internal/controller"
)

// The cached copy of an account-ID Secret keeps, of its managedFields, the
// operator's own entry and of it the label and annotation keys alone.
func TestKeepOwnManagedFields(t *testing.T) {
	entry := func(manager, subresource, fields string) metav1.ManagedFieldsEntry {
		return metav1.ManagedFieldsEntry{Manager: manager, Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1",
			Subresource: subresource, FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(fields)}
	}
	own := `{"f:data":{".":{},"f:ACCOUNT_ID":{}},"f:metadata":{"f:annotations":{".":{},"f:boring.aiagent-me.com/note":{}},` +
		`"f:labels":{".":{},"f:team":{}},"f:ownerReferences":{".":{},"k:{\"uid\":\"0c1d\"}":{}}},"f:type":{}}`
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{ManagedFields: []metav1.ManagedFieldsEntry{
		entry("kubectl-edit", "", `{"f:metadata":{"f:labels":{"f:mine":{}}}}`),
		entry(controller.FieldOwner, "", own),
		entry(controller.FieldOwner, "status", `{"f:status":{}}`),
		entry(controller.FieldOwner, "", `not json`),
	}}}
	out, err := keepOwnManagedFields(secret)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*corev1.Secret).ManagedFields
	if len(got) != 2 || got[0].Manager != controller.FieldOwner || got[1].Manager != controller.FieldOwner {
		t.Fatalf("kept %+v, want the operator's two entries without a subresource", got)
	}
	want := `{"f:metadata":{"f:labels":{".":{},"f:team":{}},"f:annotations":{".":{},"f:boring.aiagent-me.com/note":{}}}}`
	if got[0].FieldsV1.GetRawString() != want {
		t.Errorf("the operator's entry kept\n%s\nwant\n%s", got[0].FieldsV1.GetRawString(), want)
	}
	if got[1].FieldsV1.GetRawString() != `not json` {
		t.Errorf("an entry that does not parse is kept whole, got %s", got[1].FieldsV1.GetRawString())
	}
}
