package browser_test

import (
	"testing"

	"hyundai-poc.com/dbserver/dbtest"
)

// One MariaDB server for the whole test binary; each test gets its own database.
func TestMain(m *testing.M) { dbtest.Main(m) }
