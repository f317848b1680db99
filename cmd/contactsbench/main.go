// Command contactsbench measures the mock: throughput and latency of its request pipeline against a
// bare net/http baseline in the same process, start-up time and resident memory of the real binary,
// and page latency with a large location. See --help.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver"
	"github.com/contactsmock/contactsmock/mockserver/requestlog"
)

const usage = `Usage: contactsbench [flags]

Measures the contacts mock on this machine and prints one report:

 1. Throughput. The mock (mockserver.New with data from fixtures.Generate, behind a real net/http
    server on 127.0.0.1, journal on, request log on as contactsmock serve has it, written to a
    temporary file (--request-log=false without it), rate limits counting but set too high to
    trip) and a bare
    net/http handler serving a fixed body of the same size as each workload's response run in this
    process. Each workload drives both with --conns keep-alive connections, in --rounds short
    rounds that alternate which goes first, so both see the same machine load; the ratio is per
    round, and the table shows medians over the rounds.
    Workloads: get (GET /contacts/{id}), list20 (GET /contacts/?locationId=..&limit=20), create
    (POST /contacts/), 429 (GET on a mock whose burst is spent: how fast refusals are answered), mix
    (40% creates, 20% updates, 10% tag adds, 10% notes, 20% reads).
 2. Start-up and memory. The real binary (go build into a temporary directory, or --binary) is run
    with the default data and with --contacts contacts: time from exec to the first 200 on
    GET /contacts/{id}, then VmRSS after start and at rest (after a GC, forced through --pprof).
 3. Page latency with --contacts contacts in one location: list and search pages, one connection
    and --conns connections.

The machine may be shared: read the ratios, and their spread over rounds, rather than absolute
numbers. BENCH_TIME (a duration such as 3s) sets --duration.

Flags:
`

type options struct {
	duration, warmup time.Duration
	conns, rounds    int
	seed             int64
	contacts         int
	only             string
	startup          bool
	startupRuns      int
	pages            bool
	pageDuration     time.Duration
	binary           string
	cpuProfile       string
	memProfile       string
	verbose          bool
	requestLog       bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "contactsbench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	def := time.Second
	if v := os.Getenv("BENCH_TIME"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			if n, err2 := strconv.ParseFloat(v, 64); err2 == nil {
				d, err = time.Duration(n*float64(time.Second)), nil
			}
		}
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("BENCH_TIME=%q: want a duration such as 3s", v)
		}
		def = d
	}
	fs := flag.NewFlagSet("contactsbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.duration, "duration", def, "measured `DURATION` of each run of a workload against one target (default from BENCH_TIME)")
	fs.DurationVar(&o.warmup, "warmup", 200*time.Millisecond, "unmeasured `DURATION` before each run")
	fs.IntVar(&o.conns, "conns", 32, "`N` concurrent keep-alive connections")
	fs.IntVar(&o.rounds, "rounds", 7, "`N` rounds per workload, mock and baseline interleaved (short rounds, many of them: both sides see the same machine)")
	fs.Int64Var(&o.seed, "seed", 42, "seed of the generated data (`N`)")
	fs.IntVar(&o.contacts, "contacts", 100000, "`N` contacts in one location for the large start-up, memory and page-latency runs (0 skips them)")
	fs.StringVar(&o.only, "workloads", "get,list20,create,429,mix", "comma-separated `LIST` of throughput workloads to run (empty: none)")
	fs.BoolVar(&o.startup, "startup", true, "measure start-up time and memory of the real binary")
	fs.BoolVar(&o.pages, "pages", true, "measure list and search page latency with --contacts contacts (part of --startup)")
	fs.DurationVar(&o.pageDuration, "page-duration", time.Second, "measured `DURATION` of each page-latency run")
	fs.IntVar(&o.startupRuns, "startup-runs", 5, "`N` start-ups measured per data size (the 100,000-contact one runs at most 3)")
	fs.StringVar(&o.binary, "binary", "", "contactsmock binary to start (`PATH`); by default it is go build-ed from this module into a temporary directory")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the throughput workloads to `FILE`; the baseline is then skipped so that the profile holds the mock only")
	fs.StringVar(&o.memProfile, "memprofile", "", "write an allocation profile to `FILE` after the throughput workloads")
	fs.BoolVar(&o.verbose, "v", false, "print every round")
	fs.BoolVar(&o.requestLog, "request-log", true, "run the mock with its request log on (contactsmock serve's default), written to a temporary file; false measures without it")
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("no arguments expected, got %q", fs.Args())
	}
	if o.conns < 1 || o.rounds < 1 || o.duration <= 0 || o.seed == 0 || o.contacts < 0 {
		return nil, errors.New("--conns and --rounds must be >= 1, --duration > 0, --seed non-zero, --contacts >= 0")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "contactsbench: %s/%s, %d CPUs, GOMAXPROCS %d, %s; %d connections, %d rounds of %s (+%s warm-up) per target\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), o.conns, o.rounds, o.duration, o.warmup)
	fmt.Fprintf(stdout, "load average at start: %s\n\n", loadAvg())
	if o.only != "" {
		if err := throughput(ctx, o, stdout); err != nil {
			return err
		}
	}
	if o.startup && ctx.Err() == nil {
		if err := startupReport(ctx, o, stdout, stderr); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "load average at end: %s\n", loadAvg())
	return ctx.Err()
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// roundResult pairs one round's mock and baseline runs.
type roundResult struct{ mock, base *result }

func throughput(ctx context.Context, o *options, stdout io.Writer) error {
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: o.seed})
	if err != nil {
		return err
	}
	rl, logged, err := benchRequestLog(o)
	if err != nil {
		return err
	}
	defer logged(stdout)
	main, err := startMock(doc, highLimits, rl)
	if err != nil {
		return err
	}
	defer main.hs.Close()
	limited, err := startMock(doc, mockserver.RateLimits{Burst: 10, Window: 10 * time.Second, Daily: 1_000_000_000}, rl)
	if err != nil {
		return err
	}
	defer limited.hs.Close()
	base, err := startBaseline(main.t.headers)
	if err != nil {
		return err
	}
	defer base.hs.Close()

	want := map[string]bool{}
	for _, n := range strings.Split(o.only, ",") {
		want[strings.TrimSpace(n)] = true
	}
	var wls []*workload
	for _, w := range workloads(main, limited) {
		if want[w.name] {
			wls = append(wls, w)
			delete(want, w.name)
		}
	}
	for n := range want {
		return fmt.Errorf("--workloads: unknown workload %q", n)
	}
	profiling := o.cpuProfile != ""
	if profiling {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	logNote := "request log on (to a file)"
	if rl == nil {
		logNote = "request log off"
	}
	fmt.Fprintf(stdout, "Throughput: default data (%d contacts, seed %d), journal on, %s, auth + scope + location checks, rate-limit accounting, request validation\n", len(main.contacts), o.seed, logNote)
	fmt.Fprintf(stdout, "(each figure is the median over %d rounds; the ratio is mock/baseline within a round, its range over the rounds)\n", o.rounds)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tbody B\tmock req/s\tbase req/s\tratio\tratio range\tmock p50\tmock p99\tbase p50\tbase p99\terrors\t")
	for _, w := range wls {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if w.prime != nil {
			if err := w.prime(); err != nil {
				return err
			}
		}
		fr, err := probe(w)
		if err != nil {
			return err
		}
		base.resp.Store(fr)
		var rounds []roundResult
		for r := range o.rounds {
			var rr roundResult
			runMock := func() error {
				rr.mock, err = drive(w.env.t, w.gen, w.expect, o.conns, o.warmup, o.duration)
				return err
			}
			runBase := func() error {
				if profiling {
					return nil
				}
				rr.base, err = drive(base.t, w.gen, status(fr.status), o.conns, o.warmup, o.duration)
				return err
			}
			first, second := runMock, runBase
			if r%2 == 1 {
				first, second = runBase, runMock
			}
			if err := first(); err != nil {
				return err
			}
			if err := second(); err != nil {
				return err
			}
			rounds = append(rounds, rr)
			if o.verbose {
				line := fmt.Sprintf("  %s round %d: mock %.0f req/s p99 %s", w.name, r+1, rr.mock.rps(), rr.mock.percentile(99))
				if rr.base != nil {
					line += fmt.Sprintf(", baseline %.0f req/s p99 %s, ratio %.2f", rr.base.rps(), rr.base.percentile(99), rr.mock.rps()/rr.base.rps())
				}
				fmt.Fprintln(stdout, line)
			}
		}
		printRow(tw, w, fr, rounds)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if o.memProfile != "" {
		f, err := os.Create(o.memProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return err
		}
	}
	return nil
}

// benchRequestLog starts the mock's request log on a temporary file, as contactsmock serve runs it
// on the console (nil with --request-log=false). The function it returns closes the log, reports
// the lines written and dropped, and removes the file.
func benchRequestLog(o *options) (*requestlog.Log, func(io.Writer), error) {
	if !o.requestLog {
		return nil, func(io.Writer) {}, nil
	}
	f, err := os.CreateTemp("", "contactsbench-requests-*.log")
	if err != nil {
		return nil, nil, err
	}
	rl, err := requestlog.New(requestlog.Options{Out: f})
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, nil, err
	}
	return rl, func(w io.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cerr := rl.Close(ctx)
		f.Close()
		defer os.Remove(f.Name())
		data, err := os.ReadFile(f.Name())
		if err != nil || cerr != nil {
			fmt.Fprintf(w, "request log: %v %v\n\n", cerr, err)
			return
		}
		lines, dropped := 0, 0
		for _, line := range bytes.Split(data, []byte("\n")) {
			switch {
			case bytes.Contains(line, []byte("msg=request ")):
				lines++
			case bytes.Contains(line, []byte("lines dropped")):
				if i := bytes.Index(line, []byte("dropped=")); i >= 0 {
					n, _ := strconv.Atoi(string(line[i+len("dropped="):]))
					dropped += n
				}
			}
		}
		fmt.Fprintf(w, "request log: %d lines written (%.1f MB), %d dropped\n\n", lines, float64(len(data))/1e6, dropped)
	}, nil
}

// merged adds up the rounds of one target.
func merged(rounds []roundResult, pick func(roundResult) *result) *result {
	out := &result{statuses: map[int]int64{}}
	for _, rr := range rounds {
		r := pick(rr)
		if r == nil {
			return nil
		}
		out.requests += r.requests
		out.elapsed += r.elapsed
		out.errors += r.errors
		for k, v := range r.statuses {
			out.statuses[k] += v
		}
		out.latencies = append(out.latencies, r.latencies...)
		if out.firstErr == "" {
			out.firstErr = r.firstErr
		}
	}
	slices.Sort(out.latencies)
	return out
}

// printRow prints a workload's line. Every figure is the median over the rounds (the ratio is
// per round): on a shared machine a round can stall, and a median keeps one bad round from
// speaking for the whole run. The range shows the ratio's spread.
func printRow(tw io.Writer, w *workload, fr *fixedResponse, rounds []roundResult) {
	m := merged(rounds, func(rr roundResult) *result { return rr.mock })
	errs := strconv.FormatInt(m.errors, 10)
	if m.errors > 0 {
		errs += " (" + m.firstErr + ")"
	}
	name := w.name
	if n429 := m.statuses[429]; n429 > 0 && m.requests > 0 {
		name += fmt.Sprintf(" (%.1f%% 429)", 100*float64(n429)/float64(m.requests))
	}
	per := func(pick func(roundResult) *result, f func(*result) float64) float64 {
		vals := make([]float64, 0, len(rounds))
		for _, rr := range rounds {
			if r := pick(rr); r != nil {
				vals = append(vals, f(r))
			}
		}
		return median(vals)
	}
	mock := func(rr roundResult) *result { return rr.mock }
	base := func(rr roundResult) *result { return rr.base }
	rps := func(r *result) float64 { return r.rps() }
	p := func(q float64) func(*result) float64 {
		return func(r *result) float64 { return float64(r.percentile(q)) }
	}
	msf := func(f float64) string { return ms(time.Duration(f)) }
	if rounds[0].base == nil {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t-\t-\t-\t%s\t%s\t-\t-\t%s\t\n", name, len(fr.body), per(mock, rps),
			msf(per(mock, p(50))), msf(per(mock, p(99))), errs)
		return
	}
	ratios := make([]float64, len(rounds))
	for i, rr := range rounds {
		ratios[i] = rr.mock.rps() / rr.base.rps()
	}
	slices.Sort(ratios)
	fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.0f\t%.2f\t%.2f–%.2f\t%s\t%s\t%s\t%s\t%s\t\n", name, len(fr.body), per(mock, rps), per(base, rps),
		median(ratios), ratios[0], ratios[len(ratios)-1],
		msf(per(mock, p(50))), msf(per(mock, p(99))), msf(per(base, p(50))), msf(per(base, p(99))), errs)
}

// median of a list (the mean of the middle two for an even count).
func median(vals []float64) float64 {
	if len(vals) == 0 {
		return 0
	}
	vals = slices.Clone(vals)
	slices.Sort(vals)
	n := len(vals)
	if n%2 == 0 {
		return (vals[n/2-1] + vals[n/2]) / 2
	}
	return vals[n/2]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + " ms"
}
