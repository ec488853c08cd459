// The route a porter takes today without gotramp: a Go program whose closure
// recurses 2000 deep from a fresh goroutine (2 KiB stack, several growths), built
// for a GOARCH and run under qemu-user. scripts/bench times it beside gotramp.
package main

import "os"

func main() {
	x := uintptr(len(os.Args)) + 0x5eed0c7e // captured: the closure reads it through its context
	var f func(n uintptr) uintptr
	f = func(n uintptr) uintptr {
		if n == 0 {
			return 0
		}
		var pad [2]uintptr // a frame like the guest's
		pad[n%2] = n
		return x + pad[n%2] + f(n-1)
	}
	done := make(chan uintptr)
	go func() { done <- f(2000) }()
	if <-done == 0 {
		os.Exit(1)
	}
}
