package loadtest

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBlockPacerHits(t *testing.T) {
	p := newBlockPacer([]float64{1000, 4000, 0, 2000}, 100*time.Millisecond)
	for _, tc := range []struct {
		at   time.Duration
		want float64
	}{
		{-time.Millisecond, 0},
		{0, 0},
		{50 * time.Millisecond, 50},
		{100 * time.Millisecond, 100},
		{150 * time.Millisecond, 300},
		{200 * time.Millisecond, 500},
		{250 * time.Millisecond, 500}, // a block at rate 0 sends nothing
		{350 * time.Millisecond, 600},
		{time.Second, 700}, // past the end: the schedule's total
	} {
		if got := p.hits(tc.at); got != tc.want {
			t.Errorf("hits(%v) = %g, want %g", tc.at, got, tc.want)
		}
	}
	for _, tc := range []struct {
		n    float64
		want time.Duration
		ok   bool
	}{
		{1, time.Millisecond, true},
		{100, 100 * time.Millisecond, true},
		{101, 100*time.Millisecond + 250*time.Microsecond, true},
		{501, 300*time.Millisecond + 500*time.Microsecond, true}, // skips the empty block
		{700, 400 * time.Millisecond, true},
		{701, 0, false},
	} {
		got, ok := p.at(tc.n)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("at(%g) = %v, %v; want %v, %v", tc.n, got, ok, tc.want, tc.ok)
		}
	}
	if r := p.Rate(120 * time.Millisecond); r != 4000 {
		t.Errorf("Rate(120ms) = %g, want 4000", r)
	}
	if r := p.Rate(time.Second); r != 0 {
		t.Errorf("Rate past the end = %g, want 0", r)
	}
}

// TestBlockPacerSends drives the pacer as vegeta's attacker does (sleep
// the wait, send, count) and checks every block got its rate's hits.
func TestBlockPacerSends(t *testing.T) {
	rates := []float64{500, 3000, 1000, 7000}
	block := 250 * time.Millisecond
	p := newBlockPacer(rates, block)
	got := make([]int, len(rates))
	var elapsed time.Duration
	var hits uint64
	for {
		wait, stop := p.Pace(elapsed, hits)
		if stop {
			break
		}
		elapsed += wait
		if elapsed >= p.total() {
			break
		}
		got[int(elapsed/block)]++
		hits++
	}
	for k, r := range rates {
		want := int(r * block.Seconds())
		if got[k] < want-1 || got[k] > want+1 {
			t.Errorf("block %d at %g/s: %d hits, want %d", k, r, got[k], want)
		}
	}
	// Behind schedule: send at once.
	if wait, stop := p.Pace(300*time.Millisecond, 10); wait != 0 || stop {
		t.Errorf("Pace behind schedule = %v, %v; want 0, false", wait, stop)
	}
	if _, stop := p.Pace(p.total(), hits); !stop {
		t.Error("Pace at the end of the schedule did not stop")
	}
}

func TestBlockSchedule(t *testing.T) {
	rates := []float64{1000, 2000, 4000, 7000}
	rng := rand.New(rand.NewPCG(1, 2))
	s := blockSchedule(rng, rates, 8)
	if len(s) != 32 {
		t.Fatalf("len = %d, want 32", len(s))
	}
	orders := map[string]bool{}
	for c := 0; c < 8; c++ {
		cycle := slices.Clone(s[4*c : 4*c+4])
		orders[rateList(cycle)] = true
		slices.Sort(cycle)
		if !slices.Equal(cycle, rates) {
			t.Errorf("cycle %d = %v: not one block of every rate", c, s[4*c:4*c+4])
		}
	}
	if len(orders) < 2 {
		t.Errorf("every cycle in the same order %v: not shuffled", s[:4])
	}
}

func TestBlocksPerRate(t *testing.T) {
	for _, tc := range []struct {
		du, block time.Duration
		want      int
	}{
		{2 * time.Second, 250 * time.Millisecond, 8},
		{2 * time.Second, 300 * time.Millisecond, 7}, // 6.67 rounds to 7
		{time.Second, 500 * time.Millisecond, 2},
		{time.Second, 900 * time.Millisecond, 2}, // never fewer than 2
	} {
		if got := blocksPerRate(tc.du, tc.block); got != tc.want {
			t.Errorf("blocksPerRate(%v, %v) = %d, want %d", tc.du, tc.block, got, tc.want)
		}
	}
}

func TestWindows(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	m0, m1 := &mark{}, &mark{}
	marks := []*mark{
		{began: ms(101), happened: true},
		{began: ms(203), happened: true},
		{happened: false}, // the attack was cut short here
	}
	ws := windows([]float64{10, 20, 30, 40}, m0, marks, m1, ms(330))
	want := []struct {
		rate     float64
		from, to time.Duration
	}{{10, 0, ms(101)}, {20, ms(101), ms(203)}, {30, ms(203), ms(330)}}
	if len(ws) != len(want) {
		t.Fatalf("%d windows, want %d", len(ws), len(want))
	}
	for i, w := range want {
		if ws[i].rate != w.rate || ws[i].from != w.from || ws[i].to != w.to {
			t.Errorf("window %d = %g [%v, %v), want %g [%v, %v)", i, ws[i].rate, ws[i].from, ws[i].to, w.rate, w.from, w.to)
		}
	}
	if ws[0].start != m0 || ws[2].end != m1 || ws[1].start != marks[0] {
		t.Error("windows do not start and end at their readings")
	}
}
