package drift

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the report for a terminal: per operation, the probes' statuses side by side and
// each finding with what live, the mock and the document said.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "drift: live %s against the mock %s (%s), location %s", r.Live, r.Mock, r.MockKind, r.Location)
	if r.MockLocation != "" {
		fmt.Fprintf(&b, " (the mock's: %s)", r.MockLocation)
	}
	b.WriteString("\n")
	if r.Seeded != nil {
		fmt.Fprintf(&b, "seeded the mock with %d contacts, %d tasks, %d notes, %d appointments, %d businesses read from live\n",
			r.Seeded.Contacts, r.Seeded.Tasks, r.Seeded.Notes, r.Seeded.Appointments, r.Seeded.Businesses)
		for _, d := range r.Seeded.Dropped {
			fmt.Fprintf(&b, "  left out of the seed: %s\n", d)
		}
	}
	b.WriteString("\n")
	probes := map[string]ProbeResult{}
	for _, p := range r.Probes {
		probes[p.Name] = p
	}
	for _, op := range r.Operations {
		fmt.Fprintf(&b, "%s  %s %s\n", op.Operation, op.Method, op.Path)
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  probe\tlive\tmock")
		for _, name := range op.Probes {
			p := probes[name]
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", name, answerWord(p.Live), answerWord(p.Mock))
		}
		_ = tw.Flush()
		if len(op.Findings) == 0 {
			b.WriteString("  no difference\n\n")
			continue
		}
		for _, f := range op.Findings {
			if f.Kind == "status" || f.Kind == "header" || f.Kind == "body" || f.Kind == KindProbe {
				fmt.Fprintf(&b, "  [%s] %s", f.Class, f.Where)
			} else {
				fmt.Fprintf(&b, "  [%s] %s %s", f.Class, f.Kind, f.Where)
			}
			if f.Live != "" || f.Mock != "" {
				fmt.Fprintf(&b, ": live %s, mock %s", f.Live, f.Mock)
			}
			b.WriteString("\n")
			if f.Document != "" {
				fmt.Fprintf(&b, "      document: %s\n", f.Document)
			}
			fmt.Fprintf(&b, "      seen by: %s\n", strings.Join(f.Probes, ", "))
		}
		b.WriteString("\n")
	}
	total := 0
	for _, n := range r.Counts {
		total += n
	}
	if total == 0 {
		fmt.Fprintf(&b, "no difference: live, the mock and our document agree on every probe (%d probes)\n", len(r.Probes))
	} else {
		fmt.Fprintf(&b, "%d differences: %d both, %d live differs from our document, %d mock differs from live, %d mock differs from our document\n",
			total, r.Counts[Both], r.Counts[LiveVsDocument], r.Counts[MockVsLive], r.Counts[MockVsDocument])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
