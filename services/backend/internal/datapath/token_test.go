package datapath

import (
	"errors"
	"strings"
	"testing"
)

func TestTokenRoundTrip(t *testing.T) {
	s := signer{key: []byte(strings.Repeat("k", MinTokenKey))}
	tok := s.sign(Token{Source: "ap-northeast-2/0a1b2c3d", Seq: 42})
	got, err := ParseToken(tok.String())
	if err != nil || got != tok || !s.valid(got) {
		t.Fatalf("round trip: %v %v", got, err)
	}
}

func TestTokensCannotBeForged(t *testing.T) {
	s := signer{key: []byte(strings.Repeat("k", MinTokenKey))}
	other := signer{key: []byte(strings.Repeat("o", MinTokenKey))}
	good := s.sign(Token{Source: "us-east-1/0a1b2c3d", Seq: 7})
	for name, tok := range map[string]Token{
		"another key":         other.sign(Token{Source: "us-east-1/0a1b2c3d", Seq: 7}),
		"sequence changed":    {Source: good.Source, Seq: 8, mac: good.mac},
		"source changed":      {Source: "us-west-2/0a1b2c3d", Seq: 7, mac: good.mac},
		"no signature":        {Source: good.Source, Seq: 7},
		"signature truncated": {Source: good.Source, Seq: 7, mac: good.mac[:10]},
	} {
		if s.valid(tok) {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseTokenRefusesForeignShapes(t *testing.T) {
	mac := strings.Repeat("A", macLen)
	for _, s := range []string{"", "x", "us-east-1/0a1b2c3d", "us-east-1/0a1b2c3d:5", "us-east-1/0a1b2c3d:0:" + mac,
		"us-east-1/0a1b2c3d:-1:" + mac, "us-east-1/0a1b2c3d:abc:" + mac, "US-EAST-1/0a1b2c3d:1:" + mac,
		"us-east-1/xyz:1:" + mac, "a/0a1b2c3d:1:2:" + mac, "us-east-1/0a1b2c3d:1:short",
		"us-east-1/0a1b2c3d:99999999999999999999:" + mac} {
		if _, err := ParseToken(s); !errors.Is(err, ErrBadToken) {
			t.Errorf("ParseToken(%q) = %v, want ErrBadToken", s, err)
		}
	}
}
