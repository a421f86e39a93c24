package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth"
	"github.com/lantian-aq/lantian/sqlstore"
)

func init() {
	register(command{name: "audit", summary: "verify and read the hash-chained audit log (audit verify|list)", run: runAudit})
}

const auditUsage = `Usage:
  lantian audit verify [--head SEQ:HASH] [--json]
                         walk the hash chain from the first entry and report
                         the first broken link (exit status 1); --head checks
                         that an entry recorded earlier is still there, so
                         that removing the newest entries is seen too
  lantian audit list [--kind KIND] [--object ID] [--limit N] [--json]
                         the newest entries first`

func runAudit(args []string, stdout, stderr io.Writer) error {
	return dispatch("audit", auditUsage, args, stdout, stderr, map[string]subcommand{
		"verify": runAuditVerify,
		"list":   runAuditList,
	})
}

func runAuditVerify(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("audit verify", stderr, "[--head SEQ:HASH] [--json]")
	var sf storeFlags
	sf.register(fs)
	head := fs.String("head", "", "an entry recorded earlier, as SEQ:HASH (as printed by a previous verify)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	var wantSeq int64
	var wantHash string
	if *head != "" {
		s, h, ok := strings.Cut(*head, ":")
		n, err := strconv.ParseInt(s, 10, 64)
		if !ok || err != nil || n <= 0 || len(h) != 64 {
			return fmt.Errorf("--head %q: expected SEQ:HASH, e.g. 1042:9f86d0…(64 hex digits)", *head)
		}
		wantSeq, wantHash = n, strings.ToLower(h)
	}
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, sf.db, sf.data)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	rep, err := auth.VerifyChain(ctx, db)
	if err != nil {
		return err
	}
	if wantSeq > 0 && rep.OK() {
		switch {
		case rep.HeadSeq < wantSeq:
			rep.Broken = &auth.ChainBreak{Seq: rep.HeadSeq + 1, Reason: fmt.Sprintf("entries %d…%d are gone: the log ends at %d but entry %d was recorded earlier", rep.HeadSeq+1, wantSeq, rep.HeadSeq, wantSeq)}
		default:
			es, err := db.AuditEntries(ctx, lantian.AuditFilter{AfterSeq: wantSeq - 1, Limit: 1})
			if err != nil {
				return err
			}
			if len(es) != 1 || es[0].Hash != wantHash {
				rep.Broken = &auth.ChainBreak{Seq: wantSeq, Reason: fmt.Sprintf("entry %d does not have the hash recorded earlier: the log was rewritten from there on", wantSeq)}
			}
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if rep.OK() {
		fmt.Fprintf(stdout, "audit chain intact: %d entries\nhead: %d:%s\n(record the head elsewhere; pass it as --head to detect removal of newer entries)\n", rep.Entries, rep.HeadSeq, rep.Head)
	} else {
		fmt.Fprintf(stdout, "audit chain BROKEN at entry %d: %s\n%d entries before it verified\n", rep.Broken.Seq, rep.Broken.Reason, rep.Entries)
	}
	if !rep.OK() {
		return &exitError{code: 1}
	}
	return nil
}

func runAuditList(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("audit list", stderr, "[--kind KIND] [--object ID] [--limit N] [--json]")
	var sf storeFlags
	sf.register(fs)
	kind := fs.String("kind", "", "only this resource kind (user, token, case, progress, …)")
	object := fs.String("object", "", "only this object (with --kind)")
	limit := fs.Int("limit", 50, "at most this many entries")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *limit < 1 {
		return fmt.Errorf("--limit %d: expected a positive number", *limit)
	}
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, sf.db, sf.data)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	es, err := db.AuditEntries(ctx, lantian.AuditFilter{Kind: *kind, Object: *object, Limit: *limit, Descending: true})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if es == nil {
			es = []*lantian.AuditEntry{}
		}
		return enc.Encode(es)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tTIME (UTC)\tACTOR\tVIA\tACTION\tOBJECT\tAFTER")
	for _, e := range es {
		after := []rune(string(e.After))
		if len(after) > 80 {
			after = append(after[:77], '…')
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s %s\t%s\n", e.Seq, e.Time.Format("2006-01-02 15:04:05"), e.Actor, e.Via, e.Action, e.Kind, e.Object, string(after))
	}
	return tw.Flush()
}
