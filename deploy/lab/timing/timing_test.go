package timing

import (
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestShippedFile(t *testing.T) {
	path := filepath.Join("..", "timing.json")
	lab, err := Load(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if lab.Name != "lab" || lab.SwitchoverFence != 0 || lab.FailoverNoWriter != 0 {
		t.Fatalf("default profile %+v", lab)
	}
	aws, err := Load(path, "aws")
	if err != nil {
		t.Fatal(err)
	}
	if aws.SwitchoverFence <= lab.SwitchoverFence || aws.FailoverNoWriter <= lab.FailoverNoWriter || aws.DNSDelayMax < aws.DNSDelayMin {
		t.Fatalf("aws profile %+v is not slower than the lab's", aws)
	}
	for _, want := range []string{"docs.aws.amazon.com", "aws-advanced-jdbc-wrapper"} {
		if !strings.Contains(aws.Source, want) {
			t.Errorf("aws source does not cite %s", want)
		}
	}
	if _, err := Load(path, "gcp"); err == nil || !strings.Contains(err.Error(), "have aws, lab") {
		t.Fatalf("unknown profile: %v", err)
	}
}

func TestParseRefusesBadFiles(t *testing.T) {
	for name, body := range map[string]string{
		"not json":       `{`,
		"no profiles":    `{"profiles":{}}`,
		"missing timing": `{"profiles":{"x":{"switchover_fence_ms":1,"dns_delay_ms":{"min":0,"max":0},"source":"s"}}}`,
		"negative":       `{"profiles":{"x":{"switchover_fence_ms":-1,"failover_no_writer_ms":0,"dns_delay_ms":{"min":0,"max":0},"source":"s"}}}`,
		"min above max":  `{"profiles":{"x":{"switchover_fence_ms":0,"failover_no_writer_ms":0,"dns_delay_ms":{"min":5,"max":1},"source":"s"}}}`,
		"no source":      `{"profiles":{"x":{"switchover_fence_ms":0,"failover_no_writer_ms":0,"dns_delay_ms":{"min":0,"max":0}}}}`,
		"unknown field":  `{"profiles":{"x":{"switchover_fence":0,"failover_no_writer_ms":0,"dns_delay_ms":{"min":0,"max":0},"source":"s"}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(body)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestDNSDelaysStayInRange(t *testing.T) {
	p := Profile{DNSDelayMin: 15 * time.Second, DNSDelayMax: 60 * time.Second}
	rnd := rand.New(rand.NewPCG(1, 2))
	regions := []string{"us-east-1", "us-west-2", "ap-northeast-2"}
	distinct := map[time.Duration]bool{}
	for range 50 {
		for r, d := range p.DNSDelays(regions, rnd) {
			if d < p.DNSDelayMin || d > p.DNSDelayMax {
				t.Fatalf("%s: %s outside [%s, %s]", r, d, p.DNSDelayMin, p.DNSDelayMax)
			}
			distinct[d] = true
		}
	}
	if len(distinct) < 10 {
		t.Fatalf("only %d distinct delays in 150 draws", len(distinct))
	}
	if got := (Profile{}).DNSDelays(regions, nil); got["us-west-2"] != 0 {
		t.Fatalf("lab profile delay %s", got["us-west-2"])
	}
}
