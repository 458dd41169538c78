-- The cutover ledger: what every cutover did and why, kept after Temporal's retention has deleted
-- its history. Written by the worker (dev.cutover.ledger), read by `cutover report` and by people
-- (docs/ledger.md has the audit queries).
--
-- Every row the worker writes carries a natural key: the Temporal run that wrote it and the
-- sequence number of the record within that run (the workflow numbers its records, and a replay
-- numbers them the same way). Writes are INSERT ... ON CONFLICT DO NOTHING, so a retried or
-- replayed write leaves exactly one row. Nothing here ever holds a secret: the workflow never sees
-- one, and what workers return is redacted before it enters history.

-- One cutover: a workflow id and the first run of its chain (continue-as-new keeps the first run
-- id; a later cutover of the same plan reuses the workflow id with a new first run id).
CREATE TABLE cutovers (
  workflow_id   text        NOT NULL,
  first_run_id  text        NOT NULL,
  plan          text        NOT NULL,
  started_by    text        NOT NULL,
  started_at    timestamptz NOT NULL,
  PRIMARY KEY (workflow_id, first_run_id)
);

-- Each Temporal run of a cutover (a new one at every continue-as-new).
CREATE TABLE runs (
  run_id        text        PRIMARY KEY,
  workflow_id   text        NOT NULL,
  first_run_id  text        NOT NULL,
  first_seen_at timestamptz NOT NULL,
  FOREIGN KEY (workflow_id, first_run_id) REFERENCES cutovers (workflow_id, first_run_id)
);
CREATE INDEX runs_cutover ON runs (workflow_id, first_run_id);

-- The phase or stage changed (phase: APPLYING, SOAKING, AWAITING_APPROVAL, ROLLING_BACK, ...).
CREATE TABLE stage_transitions (
  run_id   text        NOT NULL REFERENCES runs,
  seq      bigint      NOT NULL,
  at       timestamptz NOT NULL,
  stage    text,
  phase    text        NOT NULL,
  percent  integer,
  PRIMARY KEY (run_id, seq)
);

-- One judged measurement of one rule: the check, its value, the outcome (PASS, FAIL, NO_DATA,
-- ERROR) and the threshold it was judged against (e.g. "< 0.01").
CREATE TABLE measurements (
  run_id     text        NOT NULL REFERENCES runs,
  seq        bigint      NOT NULL,
  at         timestamptz NOT NULL,
  stage      text,
  rule_id    text        NOT NULL,
  role       text        NOT NULL,
  check_name text        NOT NULL,
  value      double precision,
  outcome    text        NOT NULL,
  threshold  text,
  reason     text        NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, seq)
);
CREATE INDEX measurements_check ON measurements (check_name, at);

-- A decision: an operator's signal (accepted or rejected, and why) or the engine's own move.
CREATE TABLE decisions (
  run_id    text        NOT NULL REFERENCES runs,
  seq       bigint      NOT NULL,
  at        timestamptz NOT NULL,
  stage     text,
  by_whom   text        NOT NULL,
  action    text        NOT NULL,
  accepted  boolean     NOT NULL,
  reason    text        NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, seq)
);
CREATE INDEX decisions_by ON decisions (by_whom, at);

-- An effect carried out by the worker: the step, its idempotency key, and what came of it.
CREATE TABLE effects (
  run_id           text        NOT NULL REFERENCES runs,
  seq              bigint      NOT NULL,
  at               timestamptz NOT NULL,
  stage            text,
  step             text        NOT NULL,
  idempotency_key  text,
  ok               boolean     NOT NULL,
  result           text        NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, seq)
);

-- A breach, an inconclusive rule, or a rollback (kind), with what it concerned.
CREATE TABLE incidents (
  run_id   text        NOT NULL REFERENCES runs,
  seq      bigint      NOT NULL,
  at       timestamptz NOT NULL,
  stage    text,
  kind     text        NOT NULL,
  subject  text,
  text     text        NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, seq)
);

-- A hold placed (paused, inconclusive, apply failed, stage rolled back) or lifted.
CREATE TABLE holds (
  run_id   text        NOT NULL REFERENCES runs,
  seq      bigint      NOT NULL,
  at       timestamptz NOT NULL,
  event    text        NOT NULL CHECK (event IN ('placed', 'lifted')),
  kind     text        NOT NULL,
  subject  text,
  by_whom  text,
  reason   text        NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, seq)
);

-- A notification the cutover sent (its level and text).
CREATE TABLE notifications (
  run_id   text        NOT NULL REFERENCES runs,
  seq      bigint      NOT NULL,
  at       timestamptz NOT NULL,
  level    text        NOT NULL,
  text     text        NOT NULL,
  PRIMARY KEY (run_id, seq)
);

-- ----------------------------------------------------------------------------- audit views

-- Every run's rows joined to its cutover: the columns every view starts from.
CREATE VIEW run_cutovers AS
  SELECT r.run_id, c.workflow_id, c.first_run_id, c.plan, c.started_by, c.started_at
  FROM runs r JOIN cutovers c USING (workflow_id, first_run_id);

-- Approvals by person: who approved which stage of which cutover, when, and whether it counted.
CREATE VIEW approvals_by_person AS
  SELECT d.by_whom AS approver, rc.plan, rc.workflow_id, rc.first_run_id, d.stage, d.at,
         d.accepted, d.reason
  FROM decisions d JOIN run_cutovers rc USING (run_id)
  WHERE d.action = 'approve';

-- Rollbacks with their cause: each rollback incident, who or what started it, and the latest
-- failing measurement of the rule behind it before it began.
CREATE VIEW rollbacks_with_cause AS
  SELECT rc.plan, rc.workflow_id, rc.first_run_id, i.at, i.stage, i.subject AS scope,
         i.text AS cause, d.by_whom AS started_by,
         m.check_name AS failing_check, m.value AS failing_value, m.threshold AS failing_threshold
  FROM incidents i
  JOIN run_cutovers rc USING (run_id)
  LEFT JOIN LATERAL (
    SELECT dd.by_whom FROM decisions dd
    WHERE dd.run_id = i.run_id AND dd.action = 'rollback' AND dd.at = i.at
    ORDER BY dd.seq LIMIT 1) d ON true
  LEFT JOIN LATERAL (
    SELECT mm.check_name, mm.value, mm.threshold FROM measurements mm
    JOIN runs r2 ON r2.run_id = mm.run_id
    WHERE r2.workflow_id = rc.workflow_id AND r2.first_run_id = rc.first_run_id
      AND mm.outcome = 'FAIL' AND mm.at <= i.at
    ORDER BY mm.at DESC, mm.seq DESC LIMIT 1) m ON true
  WHERE i.kind = 'rollback';

-- Time per stage: from each transition to the next one of the same cutover.
CREATE VIEW time_per_stage AS
  SELECT plan, workflow_id, first_run_id, stage, phase, at AS entered_at,
         lead(at) OVER w AS left_at,
         lead(at) OVER w - at AS spent
  FROM stage_transitions t JOIN run_cutovers rc USING (run_id)
  WINDOW w AS (PARTITION BY workflow_id, first_run_id ORDER BY at, t.run_id, seq);
