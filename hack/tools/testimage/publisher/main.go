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

// Command publisher stands in for a team's publishing workload in the e2e
// tests: it prints the Boring account ID it gets from the SocialAccount's
// Secret, as the ACCOUNT_ID environment variable and as a mounted file, once
// at start and again whenever the file changes.
//
//	publisher                      watch $ACCOUNT_ID and $ACCOUNT_ID_FILE
//	publisher call                 GET the account API once and print the answer
//
// call reads $API_URL, $API_SERVER_NAME (the name the certificate is checked
// against), $API_CA_FILE and $API_TOKEN_FILE.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "call" {
		if err := call(); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		return
	}
	watch()
}

func watch() {
	file := os.Getenv("ACCOUNT_ID_FILE")
	if file == "" {
		file = "/etc/boring/ACCOUNT_ID"
	}
	fmt.Printf("env ACCOUNT_ID=%s\n", os.Getenv("ACCOUNT_ID"))
	last := "\x00"
	for {
		content, err := os.ReadFile(file)
		current := strings.TrimSpace(string(content))
		if err != nil {
			current = "<" + err.Error() + ">"
		}
		if current != last {
			fmt.Printf("file ACCOUNT_ID=%s\n", current)
			last = current
		}
		time.Sleep(time.Second)
	}
}

func call() error {
	ca, err := os.ReadFile(os.Getenv("API_CA_FILE"))
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return fmt.Errorf("no certificate in %s", os.Getenv("API_CA_FILE"))
	}
	token, err := os.ReadFile(os.Getenv("API_TOKEN_FILE"))
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: os.Getenv("API_SERVER_NAME"), MinVersion: tls.VersionTLS12},
	}}
	req, err := http.NewRequest(http.MethodGet, os.Getenv("API_URL")+"/api/accounts", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	fmt.Printf("status %d\n%s\n", resp.StatusCode, body)
	return nil
}
