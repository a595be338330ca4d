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
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
)

// maxSessionBytes bounds what set reads from standard input: a cookie is at
// most 4 KiB in every browser, so anything larger is a wrong file piped in.
const maxSessionBytes = 16 << 10

// optInValue of the credentials label opts a Secret in as Boring credentials.
const optInValue = "true"

type sessionOptions struct {
	*Options
	key string
}

func (o *Options) sessionCommand() *cobra.Command {
	so := &sessionOptions{Options: o}
	cmd := &cobra.Command{
		Use:   "session (set | check) NAMESPACE/NAME",
		Short: "Store a Boring session in a credentials Secret, or check the stored one",
		Long: `The operator talks to Boring with a dashboard session: the value of the
cookie named "session" on Boring's dashboard, kept in a credentials Secret
(see docs/session.md for how to copy it from the browser). Boring does not
say how long a session lives; when it stops accepting one, store a fresh one
with "session set".

Neither command prints, logs or stores the value anywhere but in the Secret.`,
	}
	cmd.PersistentFlags().StringVar(&so.key, "key", boringv1alpha1.DefaultCredentialsKey, "The Secret's key holding the session cookie")
	cmd.AddCommand(so.setCommand(), so.checkCommand())
	return cmd
}

func (o *sessionOptions) setCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "set NAMESPACE/NAME",
		Short: "Check a Boring session with Boring, then store it in a credentials Secret",
		Long: `Read a Boring session cookie value, ask Boring whether it accepts it
(GET /api/accounts), and only then create or update the Secret: the value
under the key "session" and the label boring.aiagent-me.com/credentials=true
that opts the Secret in as Boring credentials. The SocialAccounts that use the
Secret are synced again as soon as it changes.

The value is read from standard input when it is not a terminal, else from a
prompt that does not echo it, so it never lands in shell history. A value that
Boring refuses writes nothing and exits 1.`,
		Example: `  # Paste the value at the prompt (nothing is echoed)
  kubectl boring session set marketing/boring-session

  # From a password manager, without the shell seeing the value
  pass show boring/session | kubectl boring session set marketing/boring-session`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.set(cmd.Context(), args[0]) },
	}
	addBoringURLFlag(cmd, o.Options)
	return cmd
}

func (o *sessionOptions) checkCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check NAMESPACE/NAME",
		Short: "Say whether the session stored in a credentials Secret works; exit 1 if not",
		Long: `Read the session from a credentials Secret (one labelled
boring.aiagent-me.com/credentials=true) with your own rights, ask Boring
whether it accepts it (GET /api/accounts), and say how many accounts it sees.
The exit status is 1 when Boring refuses it, so check can run in a CronJob
or CI.`,
		Example: `  kubectl boring session check marketing/boring-session`,
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return o.check(cmd.Context(), args[0]) },
	}
	addBoringURLFlag(cmd, o.Options)
	return cmd
}

// secretKey parses NAMESPACE/NAME, defaulting the namespace to -n.
func (o *sessionOptions) secretKey(ref string) (types.NamespacedName, error) {
	ns, err := o.Namespace()
	if err != nil {
		return types.NamespacedName{}, err
	}
	key, err := credentialsKey(ref, ns)
	if err != nil {
		return types.NamespacedName{}, fmt.Errorf("%q: want NAMESPACE/NAME of a Secret", ref)
	}
	return key, nil
}

func (o *sessionOptions) set(ctx context.Context, ref string) error {
	key, err := o.secretKey(ref)
	if err != nil {
		return err
	}
	c, err := o.Client()
	if err != nil {
		return err
	}
	// Read first: a user without rights on the Secret learns it before
	// pasting a session, and a Secret that is not a credentials Secret is
	// never turned into one.
	existing := &corev1.Secret{}
	switch err := c.Get(ctx, key, existing); {
	case apierrors.IsNotFound(err):
		existing = nil
	case err != nil:
		return apiError(err, "get", "secret", key)
	default:
		if err := canHoldSession(existing); err != nil {
			return err
		}
	}
	session, err := o.readValue()
	if err != nil {
		return err
	}
	accounts, err := o.askBoring(ctx, session)
	switch {
	case errors.Is(err, boring.ErrUnauthorized):
		return fmt.Errorf("boring refused the session (expired, signed out, or not the value of the cookie named session): secret %s left unchanged", key)
	case err != nil:
		return fmt.Errorf("cannot check the session with Boring (%s): %s: secret %s left unchanged", o.BoringURL, firstLine(err.Error()), key)
	}
	verb, err := o.store(ctx, c, key, existing, session)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.Out, "secret %s %s: Boring accepts the session and lists %s under it\n", key, verb, countAccounts(accounts))
	return err
}

// canHoldSession refuses Secrets that are something else: the operator's own
// account-ID Secrets and typed Secrets (TLS pairs, service-account tokens).
func canHoldSession(s *corev1.Secret) error {
	key := client.ObjectKeyFromObject(s)
	if s.Labels[boringv1alpha1.ManagedByLabel] == boringv1alpha1.ManagedByValue {
		return fmt.Errorf("secret %s is written by boring-operator (an account-ID Secret), not a credentials Secret: choose another name", key)
	}
	if s.Type != "" && s.Type != corev1.SecretTypeOpaque {
		return fmt.Errorf("secret %s is of type %s: a credentials Secret is Opaque; choose another name", key, s.Type)
	}
	return nil
}

// readValue reads the session from standard input, or from a prompt that
// does not echo when standard input is a terminal.
func (o *sessionOptions) readValue() (boring.Session, error) {
	var raw []byte
	if f, ok := o.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if _, err := fmt.Fprint(o.ErrOut, "Boring session cookie value (input hidden): "); err != nil {
			return "", err
		}
		v, err := term.ReadPassword(int(f.Fd()))
		_, _ = fmt.Fprintln(o.ErrOut)
		if err != nil {
			return "", fmt.Errorf("reading the session from the terminal: %w", err)
		}
		raw = v
	} else {
		v, err := io.ReadAll(io.LimitReader(o.In, maxSessionBytes+1))
		if err != nil {
			return "", fmt.Errorf("reading the session from standard input: %w", err)
		}
		if len(v) > maxSessionBytes {
			return "", fmt.Errorf("standard input holds more than %d bytes: not a session cookie value", maxSessionBytes)
		}
		raw = v
	}
	return parseSessionValue(raw)
}

// parseSessionValue trims the value and checks that it can be a cookie
// value, so that a pasted Cookie header or a line of a file is refused here
// rather than sent to Boring. Errors never quote the value.
func parseSessionValue(raw []byte) (boring.Session, error) {
	v := bytes.TrimSpace(raw)
	// Copied from a Cookie header or a cookie editor's "name=value" view.
	v = bytes.TrimPrefix(v, []byte("session="))
	if len(v) == 0 {
		return "", errors.New("no session value given (paste the value of the cookie named session from Boring's dashboard)")
	}
	for _, b := range v {
		// RFC 6265 cookie-octet: no controls, whitespace, DQUOTE, comma,
		// semicolon or backslash.
		if b <= ' ' || b >= 0x7f || b == '"' || b == ',' || b == ';' || b == '\\' {
			return "", errors.New("the value is not a single cookie value (it holds spaces, quotes, ';' or ','): paste only the value of the cookie named session")
		}
	}
	return boring.Session(v), nil
}

// askBoring lists the accounts the session sees.
func (o *sessionOptions) askBoring(ctx context.Context, session boring.Session) (int, error) {
	bc, err := o.boringClient()
	if err != nil {
		return 0, err
	}
	accounts, err := bc.ListAccounts(ctx, session)
	return len(accounts), err
}

// store writes the session and the opt-in label, creating the Secret if
// existing is nil. An update is a merge patch of those two fields alone,
// conditional on the resourceVersion read, so a concurrent edit is never
// overwritten silently. It returns what was done.
func (o *sessionOptions) store(ctx context.Context, c client.Client, key types.NamespacedName, existing *corev1.Secret,
	session boring.Session) (string, error) {
	if existing == nil {
		secret := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name,
				Labels: map[string]string{boringv1alpha1.CredentialsLabel: optInValue}},
			Type: corev1.SecretTypeOpaque,
			Data: map[string][]byte{o.key: []byte(session.Reveal())},
		}
		if err := c.Create(ctx, secret); err != nil {
			return "", apiError(err, "create", "secret", key)
		}
		return "created", nil
	}
	if existing.Labels[boringv1alpha1.CredentialsLabel] == optInValue && string(existing.Data[o.key]) == session.Reveal() {
		return "unchanged", nil
	}
	updated := existing.DeepCopy()
	if updated.Labels == nil {
		updated.Labels = map[string]string{}
	}
	updated.Labels[boringv1alpha1.CredentialsLabel] = optInValue
	if updated.Data == nil {
		updated.Data = map[string][]byte{}
	}
	updated.Data[o.key] = []byte(session.Reveal())
	if err := c.Patch(ctx, updated, client.MergeFromWithOptions(existing, client.MergeFromWithOptimisticLock{})); err != nil {
		if apierrors.IsConflict(err) {
			return "", fmt.Errorf("secret %s changed while the session was being checked: run the command again", key)
		}
		return "", apiError(err, "patch", "secret", key)
	}
	return "updated", nil
}

func (o *sessionOptions) check(ctx context.Context, ref string) error {
	key, err := o.secretKey(ref)
	if err != nil {
		return err
	}
	c, err := o.Client()
	if err != nil {
		return err
	}
	// The operator reads no other Secret as credentials; neither does check,
	// so it cannot be used to try a Secret's data against Boring: the labels
	// are read first, and the data only of an opted-in Secret.
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	if err := c.Get(ctx, key, m); err != nil {
		return apiError(err, "get", "secret", key)
	}
	if m.Labels[boringv1alpha1.CredentialsLabel] != optInValue {
		return fmt.Errorf("secret %s is not a credentials Secret (it lacks the label %s=true): the operator does not use it", key, boringv1alpha1.CredentialsLabel)
	}
	session, err := readSession(ctx, c, key, o.key)
	if err != nil {
		return err
	}
	accounts, err := o.askBoring(ctx, session)
	switch {
	case errors.Is(err, boring.ErrUnauthorized):
		const refused = "secret %s: Boring refuses the session (expired, signed out or revoked): store a fresh one with kubectl boring session set %s\n"
		if _, err := fmt.Fprintf(o.Out, refused, key, key); err != nil {
			return err
		}
		return ErrNeedsAttention
	case err != nil:
		return fmt.Errorf("cannot check the session in secret %s with Boring (%s): %s", key, o.BoringURL, firstLine(err.Error()))
	}
	_, err = fmt.Fprintf(o.Out, "secret %s: Boring accepts the session and lists %s under it\n", key, countAccounts(accounts))
	return err
}

func countAccounts(n int) string {
	if n == 1 {
		return "1 account"
	}
	return fmt.Sprintf("%d accounts", n)
}
