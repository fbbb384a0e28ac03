package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/workflows"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

var fuzzSeq atomic.Int64

// The fuzz targets' clock, and a deadline at the end of year 9999.
var (
	fuzzStart = time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)
	fuzzFar   = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
)

// FuzzNodeUpdates drives one update with arbitrary input through its
// validator and handler in the SDK test environment (activities on a real
// PostgreSQL) and asserts the workflow stays alive: a valid draft is still
// accepted afterwards and the campaign still cancels cleanly. A deadline of
// 9999-12-31 once failed every workflow task of a node for good.
func FuzzNodeUpdates(f *testing.F) {
	db, dir, _ := openStore(f)
	start, far := fuzzStart, fuzzFar
	for _, s := range []struct {
		which        uint8
		due          int64
		decision     string
		text, report string
	}{
		{4, far, "", "延期", ""},                                           // extend to 9999-12-31
		{2 + 6, far, "return", "补充", ""},                                 // return with rework due 9999-12-31
		{5, far, "", "", ""},                                             // tighten the children to 9999-12-31
		{4, start.AddDate(0, 2, 0).Unix(), "", "汛期", ""},                 // a sound extension
		{0, 0, "", "", `{"completed": 1e308, "summary": "\u202e"}`},      // odd values
		{1, 0, "", "", `{"completed": -1, "status": "maybe"}`},           // a bad report
		{2 + 6, start.Add(time.Hour).Unix(), "approve", "", ""},          // approve after a submission
		{3, 0, "", "", ""},                                               // sign off what is not approved
		{2 + 6, -62135596800, "return", "x", ""},                         // year 1
		{4, start.AddDate(6, 0, 0).Unix(), "", "beyond the horizon", ""}, // six years ahead
	} {
		f.Add(s.which, s.due, s.decision, s.text, []byte(s.report))
	}
	f.Fuzz(func(t *testing.T, which uint8, due int64, decision, text string, report []byte) {
		env := newEnv(db, dir, start)

		cid := fmt.Sprintf("fz%d", fuzzSeq.Add(1))
		phases := []duban.PhaseDeadline{{ID: "main", Due: start.AddDate(0, 1, 0)}}
		c := &duban.Campaign{ID: cid, Template: "generic", Title: "模糊测试", Scope: "4101", Levels: []duban.Level{duban.LevelCounty},
			Phases: phases, Targets: []string{"410122"}, CreatedBy: "fuzz", CreatedAt: start}
		if err := db.InsertCampaign(context.Background(), duban.SystemScope, c); err != nil {
			t.Fatal(err)
		}
		in := workflows.NodeInput{CampaignID: cid, Root: true, Scope: "4101", Tenant: "4101", Name: "郑州市", Level: duban.LevelCity,
			Title: c.Title, Phase: "main", Due: phases[0].Due, Levels: c.Levels, Targets: c.Targets, Template: *duban.TemplateByID("generic")}
		county := workflows.NodeID(cid, "410122")
		actor := workflows.Actor{Login: "fuzz"}
		var values map[string]any
		_ = json.Unmarshal(report, &values)
		when := encodable(time.Unix(due, 0).UTC())

		send := func(id, name string, arg any, done func(error)) {
			err := env.UpdateWorkflowByID(id, name, fmt.Sprintf("%s-%d", name, time.Now().UnixNano()), &testsuite.TestUpdateCallback{
				OnAccept: func() {}, OnReject: done, OnComplete: func(_ any, err error) { done(err) },
			}, arg)
			if err != nil { // the input could not even be encoded: refused at the client
				done(err)
			}
		}
		ignore := func(error) {}
		if which/6%2 == 1 { // first a sound submission, so review and sign-off have something to act on
			env.RegisterDelayedCallback(func() {
				send(county, workflows.UpdateSubmit, workflows.SubmitInput{Actor: actor, Values: validReport}, ignore)
			}, time.Minute)
		}
		env.RegisterDelayedCallback(func() {
			switch which % 6 {
			case 0:
				send(county, workflows.UpdateSaveDraft, workflows.DraftInput{Actor: actor, Values: values}, ignore)
			case 1:
				send(county, workflows.UpdateSubmit, workflows.SubmitInput{Actor: actor, Values: values}, ignore)
			case 2:
				send(county, workflows.UpdateReview, workflows.ReviewInput{Actor: actor, Decision: decision, Comment: text, ReworkDue: when}, ignore)
			case 3:
				send(county, workflows.UpdateSignOff, workflows.SignOffInput{Actor: actor, Comment: text}, ignore)
			case 4:
				send(county, workflows.UpdateExtend, workflows.ExtendInput{Actor: actor, Due: when, Reason: text}, ignore)
			case 5:
				send(workflows.RootID(cid), workflows.UpdateTighten, workflows.TightenInput{Actor: actor, Due: when}, ignore)
			}
		}, 2*time.Minute)
		// the probe: whatever happened, the node still decides an update (its
		// own validation may refuse it; a failing node cannot answer at all)
		probed := false
		env.RegisterDelayedCallback(func() {
			send(county, workflows.UpdateExtend, workflows.ExtendInput{Actor: actor, Due: start.AddDate(0, 3, 0), Reason: "probe"}, func(err error) {
				if err != nil && workflows.DomainError(err) == nil {
					t.Errorf("the node did not decide a sound update after the fuzzed one: %v", err)
				}
				probed = true
			})
		}, 20*time.Minute) // after any retried local activity gave up (10 minutes)
		env.RegisterDelayedCallback(func() {
			send(workflows.RootID(cid), workflows.UpdateCancel, workflows.CancelInput{Actor: actor, Reason: "fuzz done"}, ignore)
		}, 30*time.Minute)
		env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflows.RootID(cid)})
		env.ExecuteWorkflow(workflows.WorkflowName, in)
		if !env.IsWorkflowCompleted() {
			t.Fatal("the campaign did not end")
		}
		if err := env.GetWorkflowError(); err != nil && !temporalCanceled(err) {
			t.Fatalf("the campaign failed instead of being cancelled: %v", err)
		}
		if !probed {
			t.Fatal("the node never answered the probe")
		}
	})
}

func temporalCanceled(err error) bool {
	var c *temporal.CanceledError
	return errors.As(err, &c)
}

// FuzzHazardUpdates drives a rectify or verify with arbitrary input through
// a general hazard's workflow (activities on a real PostgreSQL) and asserts
// it stays alive: afterwards a sound rectification and a passed
// re-inspection still close it (销号).
func FuzzHazardUpdates(f *testing.F) {
	db, dir, _ := openStore(f)
	start, far := fuzzStart, fuzzFar
	f.Add(uint8(1+2), far, false, "复查未通过", "整改", "att_abcd")            // re-open with a deadline in 9999
	f.Add(uint8(1+2), start.AddDate(3, 0, 0).Unix(), false, "", "", "") // three years ahead
	f.Add(uint8(1+2), int64(-62135596800), false, "", "", "")           // year 1
	f.Add(uint8(0), int64(0), false, "", "\u202e", "http://x")          // odd rectification
	f.Add(uint8(1), start.Add(time.Hour).Unix(), true, "", "", "")      // verify an open hazard
	f.Fuzz(func(t *testing.T, which uint8, due int64, passed bool, comment, text, photo string) {
		env := newEnv(db, dir, start)
		id := fmt.Sprintf("hfz%d", fuzzSeq.Add(1))
		h := duban.Hazard{ID: id, Tenant: "410122", Place: "某工地", Description: "脚手架", Grade: duban.HazardGeneral, FoundBy: duban.InspectOpen,
			ResponsibleUnit: "某公司", Deadline: start.AddDate(0, 1, 0), State: duban.HazardOpen, ReportedBy: "reporter", ReportedAt: start,
			Version: 1, UpdatedAt: start}
		reporter, inspector := workflows.Actor{Login: "reporter"}, workflows.Actor{Login: "inspector"}
		send := func(name string, arg any, done func(error)) {
			if err := env.UpdateWorkflowByID(workflows.HazardWorkflowID(id), name, fmt.Sprintf("%s-%d", name, time.Now().UnixNano()),
				&testsuite.TestUpdateCallback{OnAccept: func() {}, OnReject: done, OnComplete: func(_ any, err error) { done(err) }}, arg); err != nil {
				done(err)
			}
		}
		alive := func(err error) {
			if err != nil && workflows.DomainError(err) == nil {
				t.Errorf("the hazard did not decide a sound update after the fuzzed one: %v", err)
			}
		}
		ignore := func(error) {}
		at := func(d time.Duration, fn func()) { env.RegisterDelayedCallback(fn, d) }
		if which/2%2 == 1 {
			at(time.Minute, func() {
				send(workflows.UpdateRectify, workflows.RectifyInput{Actor: reporter, Rectification: "已整改"}, ignore)
			})
		}
		at(2*time.Minute, func() {
			if which%2 == 0 {
				send(workflows.UpdateRectify, workflows.RectifyInput{Actor: reporter, Rectification: text, Photos: []string{photo}}, ignore)
			} else {
				send(workflows.UpdateVerify, workflows.VerifyInput{Actor: inspector, Passed: passed, Comment: comment, NewDeadline: encodable(time.Unix(due, 0).UTC())}, ignore)
			}
		})
		// after any retried local activity gave up: a sound rectification and
		// a passed re-inspection close it
		at(20*time.Minute, func() {
			send(workflows.UpdateRectify, workflows.RectifyInput{Actor: reporter, Rectification: "已整改"}, alive)
		})
		at(21*time.Minute, func() { send(workflows.UpdateVerify, workflows.VerifyInput{Actor: inspector, Passed: true}, alive) })
		env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflows.HazardWorkflowID(id)})
		env.ExecuteWorkflow(workflows.HazardWorkflowName, workflows.HazardInput{Hazard: h, Reviewer: "4101", Reminders: []int{1}, Escalation: duban.DefaultEscalation})
		if !env.IsWorkflowCompleted() {
			t.Fatal("the hazard's workflow did not end")
		}
		if err := env.GetWorkflowError(); err != nil {
			t.Fatalf("the hazard's workflow failed: %v", err)
		}
	})
}

// encodable clamps t to what JSON can carry (years 0–9999): no client can
// send more, and the test environment panics encoding it.
func encodable(t time.Time) time.Time {
	switch {
	case t.Year() > 9999:
		return time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	case t.Year() < 0:
		return time.Time{}
	}
	return t
}
