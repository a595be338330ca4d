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

package cli_test

import (
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/aiagent-me/boring-operator/internal/cli"
)

// Every command that calls Boring takes its --boring-url default from
// $BORING_URL when that is set, and from Boring's own address otherwise; the
// flag still wins over both.
func TestBoringURLDefault(t *testing.T) {
	commands := [][]string{{"import"}, {"audit"}, {"dashboard"}, {"session", "set"}, {"session", "check"}}
	for _, env := range []string{"", "http://10.88.0.1:8080"} {
		o := &cli.Options{IOStreams: genericiooptions.NewTestIOStreamsDiscard(), ConfigFlags: genericclioptions.NewConfigFlags(true),
			Getenv: func(k string) string {
				if k == cli.BoringURLEnv {
					return env
				}
				return ""
			}}
		root := o.Command()
		want := env
		if want == "" {
			want = cli.DefaultBoringURL
		}
		for _, path := range commands {
			cmd, _, err := root.Find(path)
			if err != nil {
				t.Fatalf("kubectl boring %s: %v", strings.Join(path, " "), err)
			}
			f := cmd.Flags().Lookup("boring-url")
			if f == nil {
				t.Fatalf("kubectl boring %s has no --boring-url", strings.Join(path, " "))
			}
			if f.DefValue != want {
				t.Errorf("BORING_URL=%q: kubectl boring %s --boring-url defaults to %q, want %q", env, strings.Join(path, " "), f.DefValue, want)
			}
			if err := cmd.Flags().Set("boring-url", "https://staging.example"); err != nil || o.BoringURL != "https://staging.example" {
				t.Errorf("kubectl boring %s: --boring-url did not win over the default (%v, %q)", strings.Join(path, " "), err, o.BoringURL)
			}
		}
	}
}
