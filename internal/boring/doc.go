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

// Package boring talks to the Boring publishing service's account API.
//
// Client calls it over HTTP: listing accounts, reading token info and
// disconnecting, each with a per-call timeout, bounded retries of the
// retryable failures, body size limits and typed errors (ErrUnauthorized,
// ErrAccountNotFound, ErrAccountDisabled, ErrRateLimited, ErrUnavailable).
// The JSON it reads is package wire's, Boring's documented contract. Cache
// shares one account list per credential between many callers, so the
// controller's upstream calls scale with credentials rather than accounts.
// Metrics counts and times requests on the registry it is given. Session
// values are carried as Session, which never prints itself.
package boring
