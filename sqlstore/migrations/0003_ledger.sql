-- 0003: the plan ledger (plan.LedgerStore): progress reports on tasks,
-- milestones, indicators and targets. Append-only: a correction is a new
-- report, and the triggers refuse to change or delete one, so the history
-- of who said what when is the table itself.
CREATE TABLE ledger_report (
    id          {{.Serial}},
    plan        TEXT NOT NULL,
    task        INTEGER NOT NULL,
    item        TEXT NOT NULL DEFAULT '',
    reporter    TEXT NOT NULL,
    day         {{.Day}} NOT NULL,
    value_milli BIGINT,
    progress    INTEGER,
    done        {{.Bool}} NOT NULL DEFAULT {{.False}},
    narrative   TEXT NOT NULL DEFAULT '',
    attachments TEXT NOT NULL DEFAULT '[]',
    who         TEXT NOT NULL,
    filed_at    {{.Time}} NOT NULL
);
CREATE INDEX ledger_report_task ON ledger_report (plan, task, item);

{{if .Postgres -}}
CREATE FUNCTION ledger_report_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger reports are never changed or deleted; file a new report';
END $$;
CREATE TRIGGER ledger_report_append_only BEFORE UPDATE OR DELETE ON ledger_report
    FOR EACH ROW EXECUTE FUNCTION ledger_report_append_only();
{{- else -}}
CREATE TRIGGER ledger_report_no_update BEFORE UPDATE ON ledger_report
BEGIN
    SELECT RAISE(ABORT, 'ledger reports are never changed or deleted; file a new report');
END;
CREATE TRIGGER ledger_report_no_delete BEFORE DELETE ON ledger_report
BEGIN
    SELECT RAISE(ABORT, 'ledger reports are never changed or deleted; file a new report');
END;
{{- end}}
