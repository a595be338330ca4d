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

package mapping

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
)

func TestCredentialsOf(t *testing.T) {
	def := types.NamespacedName{Namespace: "boring-system", Name: "shared"}
	sa := func(ns string, ref *boringv1alpha1.CredentialsReference) *boringv1alpha1.SocialAccount {
		return &boringv1alpha1.SocialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "x"},
			Spec: boringv1alpha1.SocialAccountSpec{CredentialsRef: ref}}
	}
	tests := map[string]struct {
		sa      *boringv1alpha1.SocialAccount
		def     types.NamespacedName
		allowed []string
		want    Credentials
		missing bool
	}{
		"own Secret, default key":               {sa("team-a", &boringv1alpha1.CredentialsReference{Name: "mine"}), def, nil, Credentials{types.NamespacedName{Namespace: "team-a", Name: "mine"}, "session"}, false},
		"own Secret, own key":                   {sa("team-a", &boringv1alpha1.CredentialsReference{Name: "mine", Key: "cookie"}), def, nil, Credentials{types.NamespacedName{Namespace: "team-a", Name: "mine"}, "cookie"}, false},
		"own Secret wins over default":          {sa("team-b", &boringv1alpha1.CredentialsReference{Name: "mine"}), def, []string{"team-a"}, Credentials{types.NamespacedName{Namespace: "team-b", Name: "mine"}, "session"}, false},
		"default, nothing listed: fails closed": {sa("team-a", nil), def, nil, Credentials{}, true},
		"default, in its own namespace":         {sa("boring-system", nil), def, nil, Credentials{def, "session"}, false},
		"default, every namespace written out":  {sa("team-z", nil), def, []string{"*"}, Credentials{def, "session"}, false},
		"default, namespace listed":             {sa("team-a", nil), def, []string{"team-a"}, Credentials{def, "session"}, false},
		"default, namespace not listed":         {sa("team-b", nil), def, []string{"team-a"}, Credentials{}, true},
		"no default at all":                     {sa("team-a", nil), types.NamespacedName{}, nil, Credentials{}, true},
	}
	for name, tc := range tests {
		got, err := Defaults{Secret: tc.def, Namespaces: tc.allowed}.CredentialsOf(tc.sa)
		if IsMissing(err) != tc.missing || got != tc.want {
			t.Errorf("%s: got %+v, %v", name, got, err)
		}
	}
}
