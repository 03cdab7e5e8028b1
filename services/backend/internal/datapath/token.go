package datapath

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Token is a consistency token: "the heartbeat row Source has reached Seq".
// Its heartbeat write started after the write it vouches for was
// acknowledged, so a reader that shows Seq has that write too (replication
// applies in commit order). No clocks are compared.
//
// A token travels signed: an HMAC over source and sequence with a key every
// backend shares, so a client cannot name a source or a sequence of its
// own and make a reader wait for something that will never come.
type Token struct {
	Source string
	Seq    int64
	mac    string // the signature: as received, or as this process signed it
}

// String is the token as the X-Consistency-Token header carries it.
func (t Token) String() string { return t.payload() + ":" + t.mac }

var sourcePattern = regexp.MustCompile(`^[a-z0-9-]{1,32}/[0-9a-f]{8,16}$`)

// ErrBadToken says a token is not one this system issues.
var ErrBadToken = errors.New("invalid consistency token")

// MinTokenKey is the shortest key accepted: 256 bits, as HMAC-SHA256 wants.
const MinTokenKey = 32

// macLen is how much of the HMAC a token carries: 128 bits, base64url.
const macLen = 22

func (t Token) payload() string { return t.Source + ":" + strconv.FormatInt(t.Seq, 10) }

// ParseToken reads a token from the X-Consistency-Token header. It checks
// the shape only; Databases.ReadAfter checks the signature before any query.
func ParseToken(s string) (Token, error) {
	if len(s) > 100 {
		return Token{}, ErrBadToken
	}
	parts := strings.Split(s, ":")
	if len(parts) != 3 || !sourcePattern.MatchString(parts[0]) || len(parts[2]) != macLen {
		return Token{}, ErrBadToken
	}
	n, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || n < 1 {
		return Token{}, fmt.Errorf("%w: bad sequence", ErrBadToken)
	}
	return Token{Source: parts[0], Seq: n, mac: parts[2]}, nil
}

// signer makes and checks token signatures.
type signer struct{ key []byte }

func (s signer) mac(t Token) string {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(t.payload()))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))[:macLen]
}

// sign returns t with its signature.
func (s signer) sign(t Token) Token {
	t.mac = s.mac(t)
	return t
}

// valid reports whether t was signed with this key, in constant time.
func (s signer) valid(t Token) bool {
	return t.mac != "" && hmac.Equal([]byte(t.mac), []byte(s.mac(t)))
}
