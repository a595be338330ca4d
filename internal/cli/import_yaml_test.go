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

package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	yamlutil "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/aiagent-me/boring-operator/internal/boring/wire"
)

// TestImportKeepsHostileNamesInert: account names, IDs and platform IDs
// from Boring holding newlines, "#", ":" or "---" come back out of import's
// manifest exactly as the intended objects, and nothing else does.
func TestImportKeepsHostileNamesInert(t *testing.T) {
	hostile := []string{
		"Evil\n- apiVersion: rbac.authorization.k8s.io/v1\n  kind: ClusterRoleBinding\n  metadata: {name: pwned}",
		"# not a comment: really",
		"---\napiVersion: v1\nkind: Secret\nmetadata: {name: injected}",
		"key: value # trailing",
		"crlf\r\n- kind: Pod",
		"line\u2028separator\u0085next line",
		`quote " and \ backslash`,
		"plain name",
	}
	accounts := make([]*wire.Account, 0, len(hostile))
	for i, name := range hostile {
		id := fmt.Sprintf("a1b2c3d4-0000-4000-8000-%012d", i)
		a := &wire.Account{AccountID: id, Platform: wire.PlatformFacebook, PageName: name, PageID: fmt.Sprint(1000 + i)}
		if i%2 == 1 {
			a = &wire.Account{AccountID: id, Platform: wire.PlatformInstagram, IGUsername: name}
		}
		for _, by := range []string{byPlatform, "account-id"} {
			if !importable(a, by) {
				t.Fatalf("account %d not importable --by %s", i, by)
			}
		}
		accounts = append(accounts, a)
	}
	taken := map[string]bool{}
	items := make([]importItem, 0, len(accounts))
	for _, a := range accounts {
		items = append(items, importItem{account: a, name: uniqueName(a, taken)})
	}
	creds := types.NamespacedName{Namespace: "team", Name: "boring-session"}
	for _, by := range []string{byPlatform, "account-id"} {
		var out strings.Builder
		if err := writeImport(&out, importHeader{credentials: creds, total: len(items)}, items, "team", by, "boring-session", "session"); err != nil {
			t.Fatal(err)
		}
		docs := 0
		r := yamlutil.NewYAMLReader(bufio.NewReader(strings.NewReader(out.String())))
		for {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(string(doc)) != "" {
				docs++
			}
		}
		if docs != 1 {
			t.Fatalf("--by %s: import printed %d YAML documents, want 1:\n%s", by, docs, out.String())
		}
		var list struct {
			APIVersion string           `json:"apiVersion"`
			Kind       string           `json:"kind"`
			Items      []map[string]any `json:"items"`
		}
		if err := yaml.UnmarshalStrict([]byte(out.String()), &list); err != nil {
			t.Fatalf("--by %s: %v\n%s", by, err, out.String())
		}
		if list.APIVersion != "v1" || list.Kind != "List" || len(list.Items) != len(accounts) {
			t.Fatalf("--by %s: got %s %s with %d items, want a v1 List of %d:\n%s", by, list.APIVersion, list.Kind, len(list.Items), len(accounts), out.String())
		}
		for i, a := range accounts {
			got := list.Items[i]
			name, _ := got["metadata"].(map[string]any)["name"].(string)
			if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
				t.Errorf("--by %s: name %q: %v", by, name, errs)
			}
			spec := map[string]any{"platform": string(a.Platform), "credentialsRef": map[string]any{"name": "boring-session"}}
			if by == byPlatform && a.PlatformAccountID() != "" {
				spec["platformAccountID"] = a.PlatformAccountID()
			} else {
				spec["accountID"] = a.AccountID
			}
			want := map[string]any{
				"apiVersion": "boring.aiagent-me.com/v1alpha1", "kind": "SocialAccount",
				"metadata": map[string]any{"name": name, "namespace": "team"},
				"spec":     spec,
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("--by %s: item %d is\n%#v\nwant\n%#v", by, i, got, want)
			}
		}
		for _, line := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(line, "#") && strings.Contains(line, "Evil") && !strings.Contains(line, `"Evil\n- apiVersion`) {
				t.Errorf("--by %s: a hostile name is not quoted in its comment: %q", by, line)
			}
		}
	}
}

// TestImportLeavesOutUnacceptableIDs: IDs go into the manifest itself, so one
// a SocialAccount would refuse (a line break, "#", a space) is never written.
func TestImportLeavesOutUnacceptableIDs(t *testing.T) {
	tests := map[string]struct {
		account wire.Account
		by      string
		want    bool
	}{
		"a UUID":                          {wire.Account{AccountID: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", Platform: wire.PlatformThreads}, "account-id", true},
		"a page ID":                       {wire.Account{AccountID: "x y", Platform: wire.PlatformFacebook, PageID: "104857600123456"}, byPlatform, true},
		"account_id with a newline":       {wire.Account{AccountID: "abc\n- kind: Secret", Platform: wire.PlatformThreads}, "account-id", false},
		"page ID with ---":                {wire.Account{AccountID: "abc", Platform: wire.PlatformFacebook, PageID: "1\n---\n"}, byPlatform, false},
		"account_id with NEL":             {wire.Account{AccountID: "abc\u0085def", Platform: wire.PlatformThreads}, "account-id", false},
		"account_id with #":               {wire.Account{AccountID: "abc#def", Platform: wire.PlatformThreads}, "account-id", false},
		"an unknown platform":             {wire.Account{AccountID: "abc", Platform: "myspace\nkind: Secret"}, "account-id", false},
		"without a platform ID, by ID":    {wire.Account{AccountID: "abc", Platform: wire.PlatformInstagram}, byPlatform, true},
		"an ID longer than the CRD takes": {wire.Account{AccountID: strings.Repeat("a", 129), Platform: wire.PlatformThreads}, "account-id", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := importable(&tc.account, tc.by); got != tc.want {
				t.Errorf("importable = %v, want %v", got, tc.want)
			}
		})
	}
}
