package udp

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any leaves a goroutine behind.
// (One TestMain per package: the other udp tests share this one.)
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
