package geo

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/miekg/dns"

	labgeo "hyundai-poc.com/lab/geo"
)

var table = &labgeo.Table{Default: "us-east-1", Continents: map[string]string{"AS": "ap-northeast-2"},
	USStates: map[string]string{"OR": "us-west-2", "VA": "us-east-1"}, CountryContinents: map[string]string{"KR": "AS", "JP": "AS", "DE": "EU"}}

var places = []Place{{"Seoul", "KR", "175.223.0.0/24"}, {"Oregon", "US-OR", "34.208.0.0/24"}, {"Frankfurt", "DE", "193.99.144.0/24"}}

// zone answers like a geolocation zone: the apex by the client subnet's
// first octet, each region's own name with its own address.
func zone(t *testing.T) string {
	own := map[string]string{"us-east-1.example.": "192.0.2.1", "us-west-2.example.": "192.0.2.2", "ap-northeast-2.example.": "192.0.2.3"}
	byOctet := map[byte]string{175: "192.0.2.3", 34: "192.0.2.2"}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		q := r.Question[0]
		ip := own[q.Name]
		if q.Name == "example." {
			ip = "192.0.2.1"
			o := r.IsEdns0()
			if o == nil {
				t.Errorf("query without EDNS0")
			}
			for _, opt := range o.Option {
				if s, ok := opt.(*dns.EDNS0_SUBNET); ok {
					if v, ok := byOctet[s.Address.To4()[0]]; ok {
						ip = v
					}
				}
			}
		}
		if ip != "" {
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.ParseIP(ip)})
		}
		w.WriteMsg(m)
	})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: h}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestRoute53WithClientSubnet(t *testing.T) {
	rows, err := Expect(table, places)
	if err != nil {
		t.Fatal(err)
	}
	got := ThroughRoute53(context.Background(), Resolver{Server: zone(t)}, "example", []string{"ap-northeast-2", "us-east-1", "us-west-2"}, rows)
	want := map[string]string{"KR": "ap-northeast-2", "US-OR": "us-west-2", "DE": "us-east-1"}
	for _, r := range got {
		if r.Answered != want[r.Location] || !r.OK || r.Err != "" {
			t.Errorf("%s: %+v", r.Location, r)
		}
	}
}

func TestEdgeTable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/_edge/route" {
			http.NotFound(w, r)
			return
		}
		region := "us-east-1"
		if strings.HasPrefix(r.Header.Get("X-Client-Location"), "K") {
			region = "ap-northeast-2"
		}
		w.Write([]byte(`{"region":"` + region + `"}`))
	}))
	defer srv.Close()
	rows, _ := Expect(table, places)
	got := ThroughEdge(context.Background(), srv.URL, rows)
	if !got[0].OK || got[1].OK || got[1].Answered != "us-east-1" || got[1].Expected != "us-west-2" || !got[2].OK {
		t.Fatalf("rows %+v", got)
	}
}
