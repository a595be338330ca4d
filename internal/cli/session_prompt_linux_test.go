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
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
	"k8s.io/apimachinery/pkg/util/wait"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
)

func init() { testPrompt = testSessionPrompt }

// openPTY opens a pseudo-terminal pair: what a user types goes into the
// controller side, the command reads the terminal side.
func openPTY() (controller, terminal *os.File, err error) {
	controller, err = os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	// Through SyscallConn, not Fd, which would make the controller side
	// blocking and its read deadline void.
	var n uint32
	raw, err := controller.SyscallConn()
	if err == nil {
		cerr := raw.Control(func(fd uintptr) {
			if err = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); err == nil {
				n, err = unix.IoctlGetUint32(int(fd), unix.TIOCGPTN)
			}
		})
		err = errors.Join(err, cerr)
	}
	if err != nil {
		_ = controller.Close()
		return nil, nil, err
	}
	terminal, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		_ = controller.Close()
		return nil, nil, err
	}
	return controller, terminal, nil
}

// testSessionPrompt runs session set with a terminal as standard input: it
// must prompt, turn echo off before the value is typed, and store the value.
func testSessionPrompt(f *fixture, value string) result {
	t := f.t
	controller, terminal, err := openPTY()
	if err != nil {
		t.Logf("no pseudo-terminal, the prompt is not tested: %v", err)
		return result{}
	}
	defer func() { _ = controller.Close(); _ = terminal.Close() }()

	done := make(chan result, 1)
	go func() { done <- f.runIn(terminal, "session", "set", "renew/typed", "--boring-url", f.backend.URL()) }()
	// Type only once the command has turned echo off, as a person would
	// after seeing the prompt.
	err = wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		tio, err := unix.IoctlGetTermios(int(terminal.Fd()), unix.TCGETS)
		return err == nil && tio.Lflag&unix.ECHO == 0, nil
	})
	if err != nil {
		t.Fatalf("session set never turned the terminal's echo off: %v", err)
	}
	if _, err := controller.WriteString(value + "\n"); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.code != 0 || !strings.Contains(r.stdout, "secret renew/typed created") ||
		!strings.Contains(r.stderr, "Boring session cookie value (input hidden): ") {
		t.Fatalf("session set at a terminal: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// What the terminal showed: nothing of the value.
	if err := controller.SetReadDeadline(time.Now().Add(200 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	shown := make([]byte, 4096)
	n, _ := controller.Read(shown)
	if strings.Contains(string(shown[:n]), value) {
		t.Error("the terminal echoed the session value")
	}
	if tio, err := unix.IoctlGetTermios(int(terminal.Fd()), unix.TCGETS); err != nil || tio.Lflag&unix.ECHO == 0 {
		t.Errorf("session set left the terminal's echo off (%v)", err)
	}
	typed := f.secret("typed")
	if string(typed.Data[boringv1alpha1.DefaultCredentialsKey]) != value || typed.Labels[boringv1alpha1.CredentialsLabel] != "true" {
		t.Error("the typed session was not stored with the opt-in label")
	}
	return r
}
