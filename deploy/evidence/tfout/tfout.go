// Package tfout reads the deployment's names and regions from
// `terraform output -json` of deploy/terraform/poc, so no AWS name is typed
// into a command.
package tfout

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
)

// Region is one serving region's entry of the "regions" output.
type Region struct {
	ALBDNSName   string            `json:"alb_dns_name"`
	ClusterName  string            `json:"cluster_name"`
	Services     []string          `json:"services"`
	Repositories map[string]string `json:"repositories"`
	URL          string            `json:"url"`
}

// Outputs are the outputs the kit reads.
type Outputs struct {
	Regions                 map[string]Region `json:"regions"`
	GlobalWriterEndpoint    string            `json:"global_writer_endpoint"`
	ReaderEndpoints         map[string]string `json:"reader_endpoints"`
	GlobalClusterIdentifier string            `json:"global_cluster_identifier"`
	CloudFrontURL           string            `json:"cloudfront_url"`
	ApexURL                 string            `json:"apex_url"`
	NameServers             []string          `json:"name_servers"`
	AlarmTopicARNs          map[string]string `json:"alarm_topic_arns"`
	// DatabaseSecretARNs is the database secret's ARN in each region (the
	// primary and its replicas); it holds health_check_token.
	DatabaseSecretARNs map[string]string `json:"database_secret_arns"`
}

// RegionNames in sorted order.
func (o *Outputs) RegionNames() []string {
	var r []string
	for k := range o.Regions {
		r = append(r, k)
	}
	sort.Strings(r)
	return r
}

// Service returns the region's service whose name ends with suffix
// ("backend", "frontend").
func (r Region) Service(suffix string) (string, error) {
	for _, s := range r.Services {
		if strings.HasSuffix(s, suffix) {
			return s, nil
		}
	}
	return "", fmt.Errorf("no service ending in %q among %v", suffix, r.Services)
}

// Parse reads `terraform output -json` text: each output is {"value": ...}.
func Parse(b []byte) (*Outputs, error) {
	var raw map[string]struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("not terraform output -json: %w", err)
	}
	flat := map[string]json.RawMessage{}
	for k, v := range raw {
		flat[k] = v.Value
	}
	fb, _ := json.Marshal(flat)
	var o Outputs
	if err := json.Unmarshal(fb, &o); err != nil {
		return nil, fmt.Errorf("terraform outputs: %w", err)
	}
	if len(o.Regions) == 0 {
		return nil, errors.New("terraform outputs have no regions: has `make deploy` run?")
	}
	return &o, nil
}

// Load reads the outputs from file when given, else runs
// `terraform -chdir=dir output -json`.
func Load(ctx context.Context, file, dir string) (*Outputs, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		return Parse(b)
	}
	if _, err := exec.LookPath("terraform"); err != nil {
		return nil, fmt.Errorf("terraform is not installed here: run `terraform -chdir=%s output -json > outputs.json` where it is, and pass --outputs outputs.json", dir)
	}
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, "terraform", "-chdir="+dir, "output", "-json")
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("terraform output in %s failed (has `make deploy` run?): %v: %s", dir, err, strings.TrimSpace(errb.String()))
	}
	if strings.TrimSpace(out.String()) == "{}" {
		return nil, fmt.Errorf("terraform in %s has no outputs: deploy first (`make deploy`)", dir)
	}
	return Parse(out.Bytes())
}
