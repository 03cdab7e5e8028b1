package datapath

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/go-sql-driver/mysql"
)

// ErrReadOnlyNode is returned when the writer endpoint leads to a node that
// is read-only: the writer has moved and DNS has not caught up yet.
var ErrReadOnlyNode = errors.New("writer endpoint leads to a read-only node")

// ErrUnavailable says no node could serve the request in time.
var ErrUnavailable = errors.New("database unavailable")

// MySQL and MariaDB word these errors differently, so they are matched by
// number. Each means "this node is not (or no longer) the writer".
const (
	erOptionPreventsStatement = 1290 // --read-only
	erReadOnlyMode            = 1836 // read-only mode (MySQL super_read_only, Aurora replicas)
	erReadOnlyTransaction     = 1792 // statement in a READ ONLY transaction
	erDupEntry                = 1062
)

// IsWriterMoved reports whether err says the node is no longer writable.
func IsWriterMoved(err error) bool {
	if errors.Is(err, ErrReadOnlyNode) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case erOptionPreventsStatement, erReadOnlyMode, erReadOnlyTransaction:
			return true
		}
	}
	return false
}

// IsDuplicateKey reports a unique key violation.
func IsDuplicateKey(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == erDupEntry
}

// IsCanceled reports cancellation or a deadline: the caller gave up, which
// says nothing about the node.
func IsCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// IsConnFailure reports a refused, dropped or broken connection.
func IsConnFailure(err error) bool {
	if err == nil || IsCanceled(err) {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}

// isNodeFailure is what makes the data path drop a pool and look again.
func isNodeFailure(err error) bool { return IsWriterMoved(err) || IsConnFailure(err) }
