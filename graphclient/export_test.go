package graphclient

// SetLookAhead sets how many service principals a read that hands its
// objects on lists ahead of the applications, until the test ends.
func SetLookAhead(n int) (restore func()) {
	old := lookAhead
	lookAhead = n
	return func() { lookAhead = old }
}
