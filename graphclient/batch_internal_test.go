package graphclient

import "testing"

// A $batch holds what a minute allows, in a size the limit divides where
// one fits.
func TestBatchFor(t *testing.T) {
	for _, tc := range []struct{ limit, want int }{
		{150, 15}, {100, 20}, {3, 3}, {20, 20}, {21, 20}, {121, 11}, {127, 20}, {1000, 20},
	} {
		if got := batchFor(tc.limit); got != tc.want {
			t.Errorf("batchFor(%d) = %d, want %d", tc.limit, got, tc.want)
		}
	}
}
