package datapath

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
)

// erAccessDenied is the server refusing the user or password (both MySQL
// and MariaDB number it 1045).
const erAccessDenied = 1045

// IsAccessDenied reports that the server refused the credentials.
func IsAccessDenied(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == erAccessDenied
}

// Credentials hold the database password and read it again from where it
// is kept when the server refuses it: after a rotation, the next new
// connection uses the new password, with no restart and no failed request.
type Credentials struct {
	fetch func(ctx context.Context) (string, error)
	// every bounds how often the store is asked: a burst of refused
	// connections makes one call.
	every time.Duration

	mu       sync.Mutex
	password string
	last     time.Time
}

// NewCredentials starts with password; fetch (nil for a password that
// never changes) reads the current one from its store.
func NewCredentials(password string, fetch func(ctx context.Context) (string, error)) *Credentials {
	return &Credentials{password: password, fetch: fetch, every: 2 * time.Second}
}

// Password is the password to connect with now.
func (c *Credentials) Password() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.password
}

// Refresh reads the password again, unless it was read moments ago, and
// reports whether it changed.
func (c *Credentials) Refresh(ctx context.Context) (bool, error) {
	if c == nil || c.fetch == nil {
		return false, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.last) < c.every {
		return false, nil
	}
	c.last = time.Now()
	pw, err := c.fetch(ctx)
	if err != nil {
		return false, err
	}
	if pw == "" || pw == c.password {
		return false, nil
	}
	c.password = pw
	return true, nil
}
