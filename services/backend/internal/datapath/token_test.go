package datapath

import (
	"errors"
	"testing"
)

func TestTokenRoundTrip(t *testing.T) {
	tok := Token{Source: "ap-northeast-2/0a1b2c3d", Seq: 42}
	got, err := ParseToken(tok.String())
	if err != nil || got != tok {
		t.Fatalf("round trip: %v %v", got, err)
	}
}

func TestParseTokenRefusesForeignShapes(t *testing.T) {
	for _, s := range []string{"", "x", "us-east-1/0a1b2c3d", "us-east-1/0a1b2c3d:0", "us-east-1/0a1b2c3d:-1",
		"us-east-1/0a1b2c3d:abc", "US-EAST-1/0a1b2c3d:1", "us-east-1/xyz:1", "a/0a1b2c3d:1:2",
		"us-east-1/0a1b2c3d:99999999999999999999"} {
		if _, err := ParseToken(s); !errors.Is(err, ErrBadToken) {
			t.Errorf("ParseToken(%q) = %v, want ErrBadToken", s, err)
		}
	}
}
