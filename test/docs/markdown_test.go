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

package docs_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// This file reads the names out of the Markdown pages.

// pages returns README.md and docs/*.md by their path in the repository.
func pages(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{"README.md": read(t, "README.md")}
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		out[filepath.ToSlash(rel)] = read(t, rel)
	}
	return out
}

func read(t *testing.T, file string) string {
	t.Helper()
	return readFile(t, file)
}

// section returns the part of a page from the line heading to the next
// heading of the same or a higher level.
func section(t *testing.T, file, heading string) string {
	t.Helper()
	text := read(t, file)
	level := strings.Index(heading, " ")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if l != heading {
			continue
		}
		end := len(lines)
		for j := i + 1; j < len(lines); j++ {
			if h := headingLevel(lines[j]); h > 0 && h <= level {
				end = j
				break
			}
		}
		return strings.Join(lines[i:end], "\n")
	}
	t.Fatalf("%s has no heading %q", file, heading)
	return ""
}

// splitSections splits a page at each line starting with prefix ("## ").
func splitSections(text, prefix string) []string {
	lines := strings.Split(text, "\n")
	out := make([]string, 0, len(lines))
	cur := make([]string, 0, len(lines))
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) && len(cur) > 0 {
			out = append(out, strings.Join(cur, "\n"))
			cur = nil
		}
		cur = append(cur, l)
	}
	return append(out, strings.Join(cur, "\n"))
}

// headingLevel is the number of leading #s of a Markdown heading, else 0.
func headingLevel(line string) int {
	n := len(line) - len(strings.TrimLeft(line, "#"))
	if n == 0 || n == len(line) || line[n] != ' ' {
		return 0
	}
	return n
}

// headings returns the text of the headings starting with prefix ("### ").
func headings(text, prefix string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if h, ok := strings.CutPrefix(l, prefix); ok {
			out = append(out, strings.TrimSpace(h))
		}
	}
	return out
}

// tableColumn returns the cells of the column headed header in every table
// of text.
func tableColumn(text, header string) []string {
	var out []string
	lines := strings.Split(text, "\n")
	col := -1
	for i, l := range lines {
		if !strings.HasPrefix(l, "|") {
			col = -1
			continue
		}
		cells := splitRow(l)
		if i+1 < len(lines) && isSeparator(lines[i+1]) {
			col = -1
			for j, c := range cells {
				if strings.EqualFold(c, header) {
					col = j
				}
			}
			continue
		}
		if isSeparator(l) || col < 0 || col >= len(cells) {
			continue
		}
		out = append(out, cells[col])
	}
	return out
}

// splitRow splits a table row at the pipes that are not escaped (\|).
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(strings.TrimSuffix(line, "|"), "|")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case line[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(line[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

var separator = regexp.MustCompile(`^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$`)

func isSeparator(line string) bool { return separator.MatchString(line) }

var inlineCode = regexp.MustCompile("`([^`]+)`")

// backticked returns the inline code spans of s.
func backticked(s string) []string {
	matches := inlineCode.FindAllStringSubmatch(s, -1)
	out := make([]string, 0, len(matches))
	for _, m := range matches {
		out = append(out, m[1])
	}
	return out
}

// tokens returns the inline code spans of the cells.
func tokens(cells []string) []string {
	out := make([]string, 0, len(cells))
	for _, c := range cells {
		out = append(out, backticked(c)...)
	}
	return out
}

// codeLines returns the lines inside fenced code blocks.
func codeLines(text string) []string {
	var out []string
	in := false
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			in = !in
			continue
		}
		if in {
			out = append(out, l)
		}
	}
	return out
}

// codeStrings returns the lines of fenced code blocks and the inline code
// spans of the rest.
func codeStrings(text string) []string {
	var out []string
	in := false
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			in = !in
			continue
		}
		if in {
			out = append(out, l)
		} else {
			out = append(out, backticked(l)...)
		}
	}
	return out
}

// shellSegment cuts a command line at the first pipe, ;, && or # comment
// that is not inside brackets or parentheses (a synopsis's alternatives).
func shellSegment(s string) string {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[', '(':
			depth++
		case ']', ')':
			depth--
		case '|', ';', '&', '#':
			if depth <= 0 {
				return s[:i]
			}
		}
	}
	return s
}
