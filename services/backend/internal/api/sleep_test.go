package api_test

import "time"

func sleep() { time.Sleep(25 * time.Millisecond) }
