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

// Package version holds what the build stamped into the binaries: the
// release, the commit and the commit's time (make image, make docker-build and
// the Dockerfile set them with -ldflags -X).
package version

var (
	// Version is the release without the leading v ("0.2.0"); "dev" when not stamped.
	Version = "dev"
	// Commit is the full git commit the binary was built from.
	Commit = "unknown"
	// Date is the commit's time in RFC 3339 (UTC), not the build's, so that
	// two builds of one commit are byte for byte the same.
	Date = "unknown"
)
