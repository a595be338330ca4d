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

// Package envtestutil holds helpers the envtest suites share: callers of the
// account API made from real ServiceAccount tokens and RBAC.
package envtestutil

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
)

// ServiceAccountToken creates the ServiceAccount ns/name (if need be) and
// returns a token for it from the TokenRequest API, minted for audiences
// (the API server's own when none).
func ServiceAccountToken(ctx context.Context, c client.Client, ns, name string, audiences ...string) (string, error) {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
	if err := client.IgnoreAlreadyExists(c.Create(ctx, sa)); err != nil {
		return "", err
	}
	tr := &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{ExpirationSeconds: ptr.To(int64(3600)), Audiences: audiences}}
	if err := c.SubResource("token").Create(ctx, sa, tr); err != nil {
		return "", err
	}
	if tr.Status.Token == "" {
		return "", fmt.Errorf("TokenRequest for %s/%s returned no token", ns, name)
	}
	return tr.Status.Token, nil
}

// Grant lets the ServiceAccount saNamespace/saName do verbs on SocialAccounts
// in ns.
func Grant(ctx context.Context, c client.Client, ns, saNamespace, saName string, verbs ...string) error {
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "socialaccounts-" + saName, Namespace: ns},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{boringv1alpha1.GroupVersion.Group}, Resources: []string{"socialaccounts"}, Verbs: verbs}},
	}
	if err := c.Create(ctx, role); err != nil {
		return err
	}
	return c.Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: role.Name, Namespace: ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: saNamespace, Name: saName}},
	})
}

// Allowed asks the API server whether the ServiceAccount may do verb on
// SocialAccounts in ns, as the account API will; tests wait for it after a
// Grant, since RBAC reaches the authorizer a moment later.
func Allowed(ctx context.Context, c client.Client, ns, saNamespace, saName, verb string) (bool, error) {
	review := &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{
		User:   "system:serviceaccount:" + saNamespace + ":" + saName,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + saNamespace, "system:authenticated"},
		ResourceAttributes: &authzv1.ResourceAttributes{Namespace: ns, Verb: verb,
			Group: boringv1alpha1.GroupVersion.Group, Resource: "socialaccounts"},
	}}
	if err := c.Create(ctx, review); err != nil {
		return false, err
	}
	return review.Status.Allowed, nil
}

// Answer is the account API's answer to one request.
type Answer struct {
	Status      int
	ContentType string
	// JSON is the decoded body; Raw the body as sent.
	JSON map[string]any
	Raw  string
}

// CallAPI sends a request to the account API at baseURL with a Kubernetes
// token, as "Authorization: Bearer" or (asCookie) as the session cookie, and
// decodes the JSON answer.
func CallAPI(ctx context.Context, baseURL, method, path, token, body string, asCookie bool) (Answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, baseURL+path, strings.NewReader(body))
	if err != nil {
		return Answer{}, err
	}
	switch {
	case token != "" && asCookie:
		req.AddCookie(&http.Cookie{Name: "session", Value: token})
	case token != "":
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return Answer{}, err
	}
	a := Answer{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), JSON: map[string]any{}, Raw: string(raw)}
	if err := json.Unmarshal(raw, &a.JSON); err != nil {
		return a, fmt.Errorf("answer is not JSON: %q", raw)
	}
	return a, nil
}

// APIServerRequests sums the API server's own apiserver_request_total for a
// resource and verb ("tokenreviews", "POST"), read from its /metrics.
func APIServerRequests(ctx context.Context, cfg *rest.Config, resource, verb string) (float64, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return 0, err
	}
	raw, err := cs.RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return 0, err
	}
	total := 0.0
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, "apiserver_request_total{") ||
			!strings.Contains(line, `resource="`+resource+`"`) || !strings.Contains(line, `verb="`+verb+`"`) {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v); err == nil {
			total += v
		}
	}
	return total, nil
}
