package lab

import "testing"

func TestReservedIn(t *testing.T) {
	list := []string{"8080", "33000-33002"}
	for port, want := range map[int]bool{8080: true, 33000: true, 33001: true, 33002: true, 33003: false, 13000: false} {
		if got := reservedIn(list, port); got != want {
			t.Errorf("port %d: reserved %v, want %v", port, got, want)
		}
	}
}
