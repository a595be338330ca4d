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
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docs/cli.md shows real output of the test fixtures, between
// <!-- sample:NAME --> and <!-- /sample:NAME --> markers. UPDATE_CLI_DOCS=1
// rewrites them; otherwise the deterministic ones (import) must match the
// current output exactly, and the others must exist with the same command.

var docsPath = filepath.Join("..", "..", "docs", "cli.md")

// exactSamples are printed the same on every run.
var exactSamples = map[string]bool{"import": true}

func writeSample(t *testing.T, name, command, output string) {
	t.Helper()
	data, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(fmt.Sprintf("(?s)<!-- sample:%s -->\n```text\n(.*?)```\n<!-- /sample:%s -->", name, name))
	sample := "$ " + command + "\n" + output
	if !strings.HasSuffix(sample, "\n") {
		sample += "\n"
	}
	m := block.FindSubmatchIndex(data)
	if m == nil {
		t.Fatalf("docs/cli.md has no sample block %q", name)
	}
	if os.Getenv("UPDATE_CLI_DOCS") != "" {
		updated := string(data[:m[2]]) + sample + string(data[m[3]:])
		if err := os.WriteFile(docsPath, []byte(updated), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got := string(data[m[2]:m[3]])
	if exactSamples[name] && got != sample {
		t.Errorf("docs/cli.md's %s sample is not what the command prints now (UPDATE_CLI_DOCS=1 go test ./internal/cli rewrites it):\n%s", name, sample)
	}
	if !strings.HasPrefix(got, "$ "+command+"\n") {
		t.Errorf("docs/cli.md's %s sample does not show %q", name, command)
	}
}
