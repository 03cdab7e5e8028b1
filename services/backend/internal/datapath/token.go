package datapath

import (
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
type Token struct {
	Source string
	Seq    int64
}

var sourcePattern = regexp.MustCompile(`^[a-z0-9-]{1,32}/[0-9a-f]{8,16}$`)

// ErrBadToken says a token is not one this system issues.
var ErrBadToken = errors.New("invalid consistency token")

func (t Token) String() string { return t.Source + ":" + strconv.FormatInt(t.Seq, 10) }

// ParseToken parses a token from the X-Consistency-Token header.
func ParseToken(s string) (Token, error) {
	if len(s) > 80 {
		return Token{}, ErrBadToken
	}
	src, seq, ok := strings.Cut(s, ":")
	if !ok || !sourcePattern.MatchString(src) {
		return Token{}, ErrBadToken
	}
	n, err := strconv.ParseInt(seq, 10, 64)
	if err != nil || n < 1 {
		return Token{}, fmt.Errorf("%w: bad sequence", ErrBadToken)
	}
	return Token{Source: src, Seq: n}, nil
}
