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

// Package docs_test checks that the names a user types or sees (manager and
// make-dev flags, kubectl boring's commands and flags, metrics, alerts,
// condition and event reasons) are the same in the code and in docs/: each
// name the code has is documented where a user looks for it, and each such
// name the docs show still exists. The names come from the code itself, so a
// new flag, metric or reason cannot land without its page.
package docs_test

import (
	"flag"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/aiagent-me/boring-operator/internal/cli"
)

func TestManagerFlagsAreDocumented(t *testing.T) {
	flags := flagNames(t, "cmd/main.go")
	// controller-runtime registers --kubeconfig on the command line in its
	// config package's init; the manager parses the command line.
	if flag.CommandLine.Lookup("kubeconfig") == nil {
		t.Fatal("controller-runtime no longer registers --kubeconfig: update this test")
	}
	flags = append(flags, "kubeconfig")
	if callsBindFlags(t, "cmd/main.go") {
		fs := flag.NewFlagSet("zap", flag.ContinueOnError)
		(&zap.Options{}).BindFlags(fs)
		fs.VisitAll(func(f *flag.Flag) { flags = append(flags, f.Name) })
	}
	table := section(t, "docs/configuration.md", "## Manager flags")
	checkFlagTable(t, "docs/configuration.md's Manager flags table", flags, tableColumn(table, "flag"))
}

func TestDevFlagsAreDocumented(t *testing.T) {
	flags := flagNames(t, "cmd/dev/main.go")
	table := section(t, "docs/getting-started.md", "### Flags of `go run ./cmd/dev`")
	checkFlagTable(t, "docs/getting-started.md's cmd/dev flags table", flags, tableColumn(table, "flag"))
}

// checkFlagTable checks that each flag is in the table's cells as `--name`
// (a cell's `--prefix-*` stands for every flag with that prefix), and that
// each `--name` there is a flag.
func checkFlagTable(t *testing.T, where string, flags []string, cells []string) {
	t.Helper()
	documented := map[string]bool{}
	for _, c := range cells {
		for _, tok := range backticked(c) {
			if strings.HasPrefix(tok, "--") {
				documented[strings.TrimPrefix(tok, "--")] = true
			}
		}
	}
	covers := func(doc, name string) bool {
		if p, ok := strings.CutSuffix(doc, "*"); ok {
			return strings.HasPrefix(name, p)
		}
		return doc == name
	}
	for _, f := range flags {
		if !slices.ContainsFunc(keys(documented), func(d string) bool { return covers(d, f) }) {
			t.Errorf("flag --%s is not in %s", f, where)
		}
	}
	for d := range documented {
		if !slices.ContainsFunc(flags, func(f string) bool { return covers(d, f) }) {
			t.Errorf("%s lists --%s, which the code does not define", where, d)
		}
	}
}

func TestCLICommandsAndFlagsAreDocumented(t *testing.T) {
	root := cli.NewCommand(genericiooptions.NewTestIOStreamsDiscard())
	page := read(t, "docs/cli.md")
	sections := splitSections(page, "## ")
	for _, cmd := range commands(root) {
		if !cmd.Runnable() || cmd == root {
			continue
		}
		path := commandPath(cmd)
		synopsis := "kubectl boring " + path
		i := slices.IndexFunc(sections, func(s string) bool { return slices.ContainsFunc(codeLines(s), startsCommand(synopsis)) })
		if i < 0 {
			t.Errorf("docs/cli.md has no section with the synopsis of %q (a code line starting %q)", path, synopsis)
			continue
		}
		cmd.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
			if f.Hidden || f.Name == "help" {
				return
			}
			if !containsFlag(sections[i], f.Name) && (f.Shorthand == "" || !containsShorthand(sections[i], f.Shorthand)) {
				t.Errorf("docs/cli.md's section of %q does not mention its flag --%s", path, f.Name)
			}
		})
	}
}

// TestCLIExamplesExist checks every `kubectl boring ...` in the docs' code
// (blocks and inline) against the command tree: the command exists and has
// each flag the example passes.
func TestCLIExamplesExist(t *testing.T) {
	root := cli.NewCommand(genericiooptions.NewTestIOStreamsDiscard())
	for name, text := range pages(t) {
		for _, code := range codeStrings(text) {
			for {
				i := strings.Index(code, "kubectl boring")
				if i < 0 {
					break
				}
				code = code[i+len("kubectl boring"):]
				words := strings.Fields(shellSegment(code))
				cmd := root
				for len(words) > 0 {
					sub := findSub(cmd, words[0])
					if sub == nil {
						break
					}
					cmd, words = sub, words[1:]
				}
				if cmd == root && len(words) > 0 && isWord(words[0]) {
					t.Errorf("%s: `kubectl boring %s`: no such command", name, words[0])
					continue
				}
				for _, w := range words {
					w = strings.Trim(w, "[]()")
					long, ok := strings.CutPrefix(w, "--")
					if !ok || long == "" || long[0] < 'a' || long[0] > 'z' {
						continue // not a flag: "--", "-->" in a diagram
					}
					long, _, _ = strings.Cut(long, "=")
					if long == "help" { // cobra adds it to every command when it runs
						continue
					}
					if cmd.Flags().Lookup(long) == nil && cmd.InheritedFlags().Lookup(long) == nil {
						t.Errorf("%s: `%s`: the command has no flag --%s", name, cmd.CommandPath(), long)
					}
				}
			}
		}
	}
}

func TestMetricsAreDocumented(t *testing.T) {
	metrics := metricNames(t)
	documented := map[string]bool{}
	for _, c := range tableColumn(section(t, "docs/monitoring.md", "## Metrics"), "metric") {
		for _, tok := range backticked(c) {
			name, _, _ := strings.Cut(tok, "{")
			documented[name] = true
		}
	}
	for _, m := range metrics {
		if !documented[m] {
			t.Errorf("metric %s is not in docs/monitoring.md's Metrics table", m)
		}
	}
	// Every boring_* name anywhere in the docs is a metric (or a histogram's
	// series of one).
	for name, text := range pages(t) {
		for _, tok := range metricRef.FindAllString(text, -1) {
			base := tok
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if b, ok := strings.CutSuffix(tok, suffix); ok && slices.Contains(metrics, b) {
					base = b
				}
			}
			if !slices.Contains(metrics, base) {
				t.Errorf("%s names metric %s, which the operator does not export", name, tok)
			}
		}
	}
}

func TestAlertsAreDocumented(t *testing.T) {
	alerts := alertNames(t)
	table := tokens(tableColumn(section(t, "docs/monitoring.md", "## Alerts"), "alert"))
	runbooks := headings(section(t, "docs/troubleshooting.md", "## Alerts"), "### ")
	check(t, "alert", alerts, table, "docs/monitoring.md's Alerts table")
	check(t, "alert", alerts, runbooks, "docs/troubleshooting.md's runbooks (### headings under Alerts)")
}

func TestConditionReasonsAreDocumented(t *testing.T) {
	reasons, _ := reasonConstants(t)
	documented := tokens(tableColumn(read(t, "docs/troubleshooting.md"), "reason"))
	check(t, "condition reason", reasons, documented, "docs/troubleshooting.md's reason tables")
}

func TestEventReasonsAreDocumented(t *testing.T) {
	_, events := reasonConstants(t)
	documented := tokens(tableColumn(section(t, "docs/monitoring.md", "## Events"), "reason"))
	check(t, "event reason", events, documented, "docs/monitoring.md's Events table")
}

// check reports each name of the code missing from the docs, and each
// documented name the code does not have.
func check(t *testing.T, kind string, code, documented []string, where string) {
	t.Helper()
	for _, n := range code {
		if !slices.Contains(documented, n) {
			t.Errorf("%s %s is not in %s", kind, n, where)
		}
	}
	for _, d := range documented {
		if !slices.Contains(code, d) {
			t.Errorf("%s lists %s %s, which the code does not have", where, kind, d)
		}
	}
}

// commandPath is the command's words after "kubectl boring".
func commandPath(cmd *cobra.Command) string {
	var words []string
	for c := cmd; c.HasParent(); c = c.Parent() {
		words = append([]string{c.Name()}, words...)
	}
	return strings.Join(words, " ")
}

// commands is the tree under root, depth first.
func commands(root *cobra.Command) []*cobra.Command {
	out := make([]*cobra.Command, 1, 1+len(root.Commands()))
	out[0] = root
	for _, c := range root.Commands() {
		out = append(out, commands(c)...)
	}
	return out
}

func findSub(cmd *cobra.Command, word string) *cobra.Command {
	for _, c := range cmd.Commands() {
		if c.Name() == word || slices.Contains(c.Aliases, word) {
			return c
		}
	}
	return nil
}

// startsCommand matches a code line that runs exactly the command line
// prefix (followed by a space or nothing), after an optional "$ " prompt.
func startsCommand(prefix string) func(string) bool {
	return func(line string) bool {
		line = strings.TrimPrefix(strings.TrimSpace(line), "$ ")
		rest, ok := strings.CutPrefix(line, prefix)
		return ok && (rest == "" || rest[0] == ' ')
	}
}

func containsFlag(text, name string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], "--"+name)
		if j < 0 {
			return false
		}
		end := i + j + 2 + len(name)
		if end == len(text) || !isFlagChar(text[end]) {
			return true
		}
		i = end
	}
}

// containsShorthand reports whether text has -s as a word of a command line.
func containsShorthand(text, s string) bool {
	for _, w := range strings.Fields(text) {
		if strings.Trim(w, "[]()") == "-"+s {
			return true
		}
	}
	return false
}

func isFlagChar(c byte) bool {
	return c == '-' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// isWord reports whether w looks like a subcommand name (not a placeholder,
// a flag or punctuation).
func isWord(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if c := w[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
